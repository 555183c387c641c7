"""Labels that arrive with an imported file: read them from a row, and find or add them in the schema."""

from ..importing.sources import ImportFileError
from ..models import Label, LabelSchema
from . import schema as schema_service

MAX_NEW_LABELS = 200
MAX_LABEL_CHARS = Label._meta.get_field("name").max_length


def checked_label_values(values):
    """{value: label name} as the manager gave it, stripped, the empty names left out; ImportFileError when a
    name is too long or the mapping is not one."""
    if not isinstance(values, dict):
        raise ImportFileError("The label names for values must map each value to a name, as {\"1\": \"Neoplasms\"}.")
    checked = {}
    for value, name in values.items():
        name = str(name or "").strip()
        if len(name) > MAX_LABEL_CHARS:
            raise ImportFileError(f"The name for the label value {value!r} is longer than {MAX_LABEL_CHARS} "
                                  "characters.")
        if name:
            checked[str(value).strip()] = name
    return checked


def label_names(fields, label_fields, delimiter, values=None):
    """The label names a row carries, in order, without repeats; a reason string when they are unusable.

    A field may hold one name, names joined by `delimiter`, or a JSON list of names; `values` renames the
    values it maps ({"1": "Neoplasms"}).
    """
    values = values or {}
    names = []
    for field in label_fields:
        value = fields.get(field)
        if value is None or value == "":
            continue
        if isinstance(value, (list, tuple)):
            parts = value
        elif isinstance(value, dict):
            return f"the label field {field!r} holds an object; use a name or a list of names"
        else:
            parts = str(value).split(delimiter) if delimiter else [value]
        for part in parts:
            if isinstance(part, (dict, list)):
                return f"the label field {field!r} holds a nested value; use a name or a list of names"
            name = str(part).strip()
            name = values.get(name, name)
            if len(name) > MAX_LABEL_CHARS:
                return f"the label {name[:20]!r}… is longer than {MAX_LABEL_CHARS} characters"
            if name and name not in names:
                names.append(name)
    return names


class LabelResolver:
    """Label ids for names, adding the labels the schema lacks (and the schema, if the project has none).

    A project without a schema gets one of the kind `multi` says; `multi=None` lets the first labeled row tell:
    a list of names (a JSON list) makes it multi-label, one name single-label.

    Labels are added (and, when a failed import takes them away again, deleted) through the schema
    service, so the audit log shows them like any other label change.
    """

    def __init__(self, project, multi, actor):
        self.project, self.actor, self.wanted = project, actor, multi
        self.schema = LabelSchema.objects.filter(project=project, name="").first()
        self.ids = dict(self.schema.labels.values_list("name", "id")) if self.schema else {}
        self.added = []

    @property
    def multi(self):
        return self.schema is not None and self.schema.kind == LabelSchema.Kind.MULTI

    def _schema(self, listed):
        if self.schema is None:
            multi = listed if self.wanted is None else self.wanted
            self.schema, _created = LabelSchema.objects.get_or_create(
                project=self.project, name="", defaults={"kind": LabelSchema.Kind.MULTI if multi else LabelSchema.Kind.SINGLE})
            self.ids = dict(self.schema.labels.values_list("name", "id"))

    def resolve(self, names, listed=False):
        """Label ids for `names` (`listed`: the row gave them as a list), or the reason the row cannot have them."""
        if names or listed:
            self._schema(listed)
        if len(names) > 1 and not self.multi:
            return f"{len(names)} labels ({', '.join(names)}), but the project's labels are single-label"
        ids = []
        for name in names:
            if name not in self.ids:
                if len(self.added) >= MAX_NEW_LABELS:
                    raise ImportFileError(
                        f"The label fields hold more than {MAX_NEW_LABELS} labels the project does not have; "
                        "nothing was imported. Check that the right columns were chosen as labels."
                    )
                label = schema_service.add_label(self.actor, self.project, name=name, key_it=True)
                self.ids[name] = label.pk
                self.added.append(label.pk)
            ids.append(self.ids[name])
        return ids

    def resolve_each(self, names):
        """Find or add each of `names` as a label of its own, in order."""
        for name in names:
            self.resolve([name])

    def remove_added(self):
        for label in Label.objects.filter(pk__in=self.added):
            schema_service.delete_label(self.actor, label, confirmed=True)
        self.added = []
