"""A project's label schema: its kind, guidelines and labels. Every change is audited."""

from string import ascii_lowercase

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef

from studio import audit
from studio.errors import Refusal

from ..models import Annotation, Label, LabelSchema, Span, SpanLabel


class SchemaError(Refusal):
    """A change the schema cannot take; the message says why."""


class LabelInUse(SchemaError):
    status = 409

    def __init__(self, label, count):
        self.count = count
        on = f"{count} annotation{'s' if count != 1 else ''}"
        super().__init__(f"“{label.name}” marks spans on {on}; deleting it removes those spans. Confirm to delete it "
                         "anyway." if isinstance(label, SpanLabel) else
                         f"“{label.name}” is on {on}; deleting it takes it off them. Confirm to delete it anyway.")


# Okabe–Ito's colour-blind-safe colours (black left out), ordered so that neighbours differ in hue and lightness.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#f0e442")

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


def schema_of(project, task=None):
    """The project's main task (made on first use), or with `task` (an id) that named task of the project."""
    if task is not None:
        found = LabelSchema.objects.filter(project=project, pk=task).exclude(name="").first()
        if found is None:
            raise SchemaError(f"task: no named task {task} in this project.")
        return found
    schema, _created = LabelSchema.objects.get_or_create(project=project, name="")
    return schema


def is_multi(project):
    """Whether the project's main labels are multi-label (where "no label applies" is an answer)."""
    return LabelSchema.objects.filter(project=project, name="", kind=LabelSchema.Kind.MULTI).exists()


@transaction.atomic
def add_task(actor, project, *, name, kind=LabelSchema.Kind.SINGLE, guidelines=""):
    """A named task: labels of its own for the same notes, beside the main task's."""
    lock_schema(project.pk)
    name = (name or "").strip()
    if not name:
        raise SchemaError("Give the task a name.")
    if LabelSchema.objects.filter(project=project, name=name).exists():
        raise SchemaError(f"There is a task “{name}” already.")
    schema_of(project)  # the main task comes first
    task = LabelSchema.objects.create(project=project, name=name, kind=kind, guidelines=guidelines)
    audit.record(actor, "task.create", task, project_id=project.pk, name=name, kind=kind)
    return task


@transaction.atomic
def set_task_gold(actor, task, snapshot):
    """The named task's gold snapshot (None: none): a ready snapshot of its labels."""
    if snapshot is not None and (snapshot.task_id != task.pk or snapshot.status != snapshot.Status.READY):
        raise SchemaError(f"gold_snapshot: a ready snapshot of the task “{task.name}”'s labels.")
    task.gold_snapshot = snapshot
    task.save(update_fields=["gold_snapshot", "updated_at"])
    audit.record(actor, "task.gold", task, project_id=task.project_id, name=task.name,
                 snapshot=snapshot.pk if snapshot else None)
    return task


@transaction.atomic
def delete_task(actor, task):
    """Delete a named task with its labels; refused while annotations carry them or a snapshot froze them."""
    lock_schema(task.project_id)
    used = Annotation.labels.through.objects.filter(label__schema=task).values("annotation_id").distinct().count()
    if used:
        raise SchemaError(f"{used} annotation{'s' if used != 1 else ''} carry the task's labels; delete its labels "
                          "first (each says what it takes off).", status=409)
    if task.snapshots.exists():
        raise SchemaError("Snapshots froze the task's labels; it stays.", status=409)
    audit.record(actor, "task.delete", task, project_id=task.project_id, name=task.name)
    task.delete()


@transaction.atomic
def update_schema(actor, project, *, kind, guidelines, version=None, spans_overlap=None, span_unit=None, task=None):
    """Set the schema's kind, guidelines and span settings (None: as they are) — the main task's, or with `task`
    (an id) a named task's; with `version`, only if nobody changed it since."""
    lock_schema(project.pk)
    schema = schema_of(project, task)
    _check_version("The label schema", schema.version, version)
    spans_overlap = schema.spans_overlap if spans_overlap is None else spans_overlap
    span_unit = span_unit or schema.span_unit
    if schema.spans_overlap and not spans_overlap:
        overlapping = _overlapping_annotations(schema)
        if overlapping:
            raise SchemaError(f"{overlapping} annotation{'s' if overlapping != 1 else ''} hold overlapping spans; "
                              "spans stay allowed to overlap until they are changed.")
    if kind == LabelSchema.Kind.SINGLE and schema.kind == LabelSchema.Kind.MULTI:
        crowded = (Annotation.labels.through.objects.filter(label__schema=schema).values("annotation_id")
                   .order_by().annotate(n=Count("label_id")).filter(n__gt=1).count())
        if crowded:
            raise SchemaError(f"{crowded} annotation{'s' if crowded != 1 else ''} carry several labels; "
                              "the schema stays multi-label.")
        empty = 0 if schema.name else Annotation.objects.filter(document__corpus__project=project,
                                                                 labels__isnull=True).count()
        if empty:
            raise SchemaError(f"{empty} annotation{'s' if empty != 1 else ''} say “no label applies”, which a "
                              "single-label schema cannot hold; the schema stays multi-label.")
    values = {"kind": kind, "guidelines": guidelines, "spans_overlap": spans_overlap, "span_unit": span_unit}
    changed = sorted(field for field, value in values.items() if getattr(schema, field) != value)
    if changed:
        for field, value in values.items():
            setattr(schema, field, value)
        schema.version += 1
        schema.save()
        audit.record(actor, "schema.update", schema, project_id=project.pk, fields=changed, kind=kind,
                     **({"task": schema.name} if schema.name else {}))
    return schema


def _overlapping_annotations(schema):
    """How many annotations of the schema's project hold two spans that share a character."""
    other = Span.objects.filter(annotation=OuterRef("annotation"), start__lt=OuterRef("end"),
                                end__gt=OuterRef("start")).exclude(pk=OuterRef("pk"))
    return (Span.objects.filter(label__schema=schema).filter(Exists(other))
            .values("annotation_id").distinct().count())


RESERVED_KEYS = "sucg"  # the annotate page's own: skip, undo, comment, guidelines
KEYS = "1234567890" + "".join(key for key in ascii_lowercase if key not in RESERVED_KEYS)  # what new labels get


def _check_reserved(hotkey):
    if hotkey and hotkey in RESERVED_KEYS:
        raise SchemaError(f"The key {hotkey!r} is the annotate page's own (s skip, u undo, c comment, g guidelines).")


def _taken_keys(schema, but=None):
    """The keys of the document and span labels of every task of the schema's project (one keyboard serves them
    all on the annotate page), but `but`'s."""
    keys = set()
    for labels in (Label.objects.filter(schema__project_id=schema.project_id),
                   SpanLabel.objects.filter(schema__project_id=schema.project_id)):
        if but is not None and labels.model is type(but):
            labels = labels.exclude(pk=but.pk)
        keys.update(labels.exclude(hotkey="").values_list("hotkey", flat=True))
    return keys


def _check_hotkey(schema, hotkey, label=None):
    if hotkey and hotkey in _taken_keys(schema, label):
        raise SchemaError(f"The key {hotkey!r} belongs to another label already.")
    _check_reserved(hotkey)


def next_color(schema):
    """The colour a new label of `schema` (None: none yet) gets: the first of the palette no label has, else the
    one after the last label's, so that neighbours always differ."""
    labels = [*schema.labels.order_by("position", "id").values_list("color", flat=True),
              *schema.span_labels.order_by("position", "id").values_list("color", flat=True)] if schema else []
    used = [color.lower() for color in labels]
    free = [color for color in PALETTE if color not in used]
    if free:
        return free[0]
    last = used[-1] if used else PALETTE[-1]
    return PALETTE[(PALETTE.index(last) + 1) % len(PALETTE)] if last in PALETTE else PALETTE[0]


def next_hotkey(schema):
    """The first key no label of `schema` has, digits first; "" when every key is taken."""
    taken = _taken_keys(schema)
    return next((key for key in KEYS if key not in taken), "")


@transaction.atomic
def add_label(actor, project, *, name, description="", color=None, hotkey="", key_it=False, span=False, task=None):
    """A new label at the end — a document label of the main task or with `task` (an id) of that named task, or
    with `span` a span label (the main task's); without a colour it gets the palette's next (see `next_color`);
    with `key_it` and no hotkey, the first free key (labels that an import creates can be picked from the keyboard
    at once)."""
    lock_schema(project.pk)
    if span and task is not None:
        raise SchemaError("Span labels belong to the main task.")
    schema = schema_of(project, task)
    labels = schema.span_labels if span else schema.labels
    color = color or next_color(schema)
    hotkey = hotkey or (next_hotkey(schema) if key_it else "")
    if labels.filter(name=name).exists():
        raise SchemaError(f"There is a {'span ' if span else ''}label “{name}” already.")
    _check_hotkey(schema, hotkey)
    position = (labels.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    label = labels.model.objects.create(schema=schema, name=name, description=description, color=color,
                                        hotkey=hotkey, position=position)
    audit.record(actor, "span_label.create" if span else "label.create", label, project_id=project.pk, name=name)
    return label


def update_label(actor, label, version=None, **values):
    """Rename or restyle a label (or a span label); its annotations keep it, since they refer to it, not to its
    name. With `version`, only if nobody changed the label since."""
    update_labels(actor, label.schema.project_id, {label.pk: {**values, "version": version}},
                  span=isinstance(label, SpanLabel))
    label.refresh_from_db()
    return label


@transaction.atomic
def update_labels(actor, project_id, changes, span=False):
    """Change several labels of a project at once ({label id: {field: value, "version": the version last read}}),
    all or none — document labels, or with `span` span labels: names and keys are checked against what the labels
    will be (a key against the other kind's too), so two labels may swap keys."""
    lock_schema(project_id)
    model, other = (SpanLabel, Label) if span else (Label, SpanLabel)
    labels = {label.pk: label for label in model.objects.select_related("schema").filter(schema__project_id=project_id)}
    missing = [pk for pk in changes if pk not in labels]
    if missing:
        raise SchemaError(f"{'Span label' if span else 'Label'} {missing[0]} is not one of this project's (deleted "
                          "meanwhile?); reload, then save again.")
    changed = {}
    for pk, values in changes.items():
        label, values = labels[pk], dict(values)
        _check_version(f"“{label.name}”", label.version, values.pop("version", None))
        difference = {field: [getattr(label, field), value] for field, value in values.items()
                      if getattr(label, field) != value}
        if difference:
            changed[pk] = difference
    final = {pk: {"task": label.schema_id, **{field: changed.get(pk, {}).get(field, [None, getattr(label, field)])[1]
                                              for field in ("name", "hotkey")}}
             for pk, label in labels.items()}
    _check_final(final, other.objects.filter(schema__project_id=project_id).exclude(hotkey="")
                 .values_list("hotkey", flat=True))
    renamed = [pk for pk, difference in changed.items() if "name" in difference or "hotkey" in difference]
    # The unique name and key constraints hold after every statement: clear the changing ones first (a stand-in
    # name no one types: an invisible separator and the id; PostgreSQL text holds no NUL).
    for pk in renamed:
        model.objects.filter(pk=pk).update(name=f"\u2063{pk}", hotkey="")
    for pk, difference in changed.items():
        label = labels[pk]
        for field, (_old, value) in difference.items():
            setattr(label, field, value)
        label.version += 1
        label.save()
        audit.record(actor, "span_label.update" if span else "label.update", label, project_id=project_id,
                     changes=difference)
    return [labels[pk] for pk in changes]


def _check_final(final, other_keys=()):
    """Names and keys unique among the labels as they will be; `other_keys`: those span labels hold."""
    names, keys = {}, dict.fromkeys(other_keys, True)
    for state in final.values():
        if (state.get("task"), state["name"]) in names:
            raise SchemaError(f"There is a label “{state['name']}” already.")
        names[state.get("task"), state["name"]] = True
        hotkey = state["hotkey"]
        _check_reserved(hotkey)
        if hotkey and hotkey in keys:
            raise SchemaError(f"The key {hotkey!r} belongs to another label already.")
        keys[hotkey] = True


@transaction.atomic
def delete_label(actor, label, confirmed=False):
    """Delete a label, or a span label with its spans; one that annotations carry needs `confirmed`, and the audit
    keeps how many."""
    lock_schema(label.schema.project_id)
    span = isinstance(label, SpanLabel)
    if not type(label).objects.filter(pk=label.pk).exists():
        raise SchemaError(f"“{label.name}” was deleted already.")
    count = (Span.objects.filter(label=label).values("annotation_id").distinct().count() if span
             else Annotation.labels.through.objects.filter(label=label).count())
    if count and not confirmed:
        raise LabelInUse(label, count)
    audit.record(actor, "span_label.delete" if span else "label.delete", label, project_id=label.schema.project_id,
                 name=label.name, annotations=count)
    if span:
        Span.objects.filter(label=label).delete()
    label.delete()
    return count
