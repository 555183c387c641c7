"""A project's label schema: its kind, guidelines and labels. Every change is audited."""

from django.db import connection, transaction
from django.db.models import Count

from studio import audit
from studio.errors import Refusal

from ..models import Annotation, Label, LabelSchema


class SchemaError(Refusal):
    """A change the schema cannot take; the message says why."""


class LabelInUse(SchemaError):
    status = 409

    def __init__(self, label, count):
        self.count = count
        super().__init__(f"“{label.name}” is on {count} annotation{'s' if count != 1 else ''}; deleting it takes it "
                         "off them. Confirm to delete it anyway.")


SCHEMA_LOCK = 0x5C4E  # the first key of the project's schema lock (the project's id is the second)


class StaleChange(SchemaError):
    status = 409


def _check_version(what, current, sent):
    if sent is not None and sent != current:
        raise StaleChange(f"{what} changed elsewhere (now version {current}, you sent {sent}); reload, then save again.")


def lock_schema(project_id, exclusive=True):
    """Within a transaction: a schema change holds its project's schema lock alone; submissions share it while
    they check their labels and write them, so neither sees the other half-done. SQLite's transactions take
    the database's write lock at their start (IMMEDIATE), which serialises them already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_xact_lock{'' if exclusive else '_shared'}(%s, %s)",
                           [SCHEMA_LOCK, project_id])


def schema_of(project):
    schema, _created = LabelSchema.objects.get_or_create(project=project)
    return schema


@transaction.atomic
def update_schema(actor, project, *, kind, guidelines, version=None):
    """Set the schema's kind and guidelines; with `version`, only if nobody changed it since."""
    lock_schema(project.pk)
    schema = schema_of(project)
    _check_version("The label schema", schema.version, version)
    if kind == LabelSchema.Kind.SINGLE and schema.kind == LabelSchema.Kind.MULTI:
        crowded = (Annotation.labels.through.objects.filter(label__schema=schema).values("annotation_id")
                   .order_by().annotate(n=Count("label_id")).filter(n__gt=1).count())
        if crowded:
            raise SchemaError(f"{crowded} annotation{'s' if crowded != 1 else ''} carry several labels; "
                              "the schema stays multi-label.")
    changed = sorted(field for field, value in (("kind", kind), ("guidelines", guidelines))
                     if getattr(schema, field) != value)
    if changed:
        schema.kind, schema.guidelines = kind, guidelines
        schema.version += 1
        schema.save()
        audit.record(actor, "schema.update", schema, project_id=project.pk, fields=changed, kind=kind)
    return schema


def _check_hotkey(schema, hotkey, label=None):
    if hotkey and schema.labels.exclude(pk=getattr(label, "pk", None)).filter(hotkey=hotkey).exists():
        raise SchemaError(f"The key {hotkey!r} belongs to another label already.")
    if hotkey in ("s", "u", "c", "g"):
        raise SchemaError(f"The key {hotkey!r} is the annotate page's own (s skip, u undo, c comment, g guidelines).")


@transaction.atomic
def add_label(actor, project, *, name, description="", color="#4c6ef5", hotkey=""):
    lock_schema(project.pk)
    schema = schema_of(project)
    if schema.labels.filter(name=name).exists():
        raise SchemaError(f"There is a label “{name}” already.")
    _check_hotkey(schema, hotkey)
    position = (schema.labels.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    label = Label.objects.create(schema=schema, name=name, description=description, color=color, hotkey=hotkey,
                                 position=position)
    audit.record(actor, "label.create", label, project_id=project.pk, name=name)
    return label


@transaction.atomic
def update_label(actor, label, version=None, **values):
    """Rename or restyle a label; its annotations keep it, since they refer to it, not to its name. With
    `version`, only if nobody changed the label since."""
    lock_schema(label.schema.project_id)
    label.refresh_from_db()
    _check_version(f"“{label.name}”", label.version, version)
    schema = label.schema
    if "name" in values and schema.labels.exclude(pk=label.pk).filter(name=values["name"]).exists():
        raise SchemaError(f"There is a label “{values['name']}” already.")
    if "hotkey" in values:
        _check_hotkey(schema, values["hotkey"], label)
    changed = {field: [getattr(label, field), value] for field, value in values.items() if getattr(label, field) != value}
    if changed:
        for field, value in values.items():
            setattr(label, field, value)
        label.version += 1
        label.save()
        audit.record(actor, "label.update", label, project_id=schema.project_id, changes=changed)
    return label


@transaction.atomic
def delete_label(actor, label, confirmed=False):
    """Delete a label; one that annotations carry needs `confirmed`, and the audit keeps how many."""
    lock_schema(label.schema.project_id)
    if not Label.objects.filter(pk=label.pk).exists():
        raise SchemaError(f"“{label.name}” was deleted already.")
    count = Annotation.labels.through.objects.filter(label=label).count()
    if count and not confirmed:
        raise LabelInUse(label, count)
    audit.record(actor, "label.delete", label, project_id=label.schema.project_id, name=label.name, annotations=count)
    label.delete()
    return count
