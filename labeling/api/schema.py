"""A project's label schema through the API: members read it; managers change it."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from studio.serializers import ErrorSerializer

from ..access import get_label, get_project, get_task
from ..models import Label, LabelSchema, Role
from ..serializers import LabelSerializer
from ..services import schema as schema_service
from .base import ProjectAPIView


class SchemaSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LabelSchema.Kind.choices)
    guidelines = serializers.CharField(allow_blank=True, required=False, default="", help_text="Markdown.")
    version = serializers.IntegerField(required=False, min_value=1, help_text="The version you last read: a "
                                       "schema changed since answers 409. Leave it out to overwrite.")
    spans_overlap = serializers.BooleanField(required=False, help_text="Whether spans may overlap (nested "
                                             "entities). Leave it out to keep it as it is.")
    span_unit = serializers.ChoiceField(choices=LabelSchema.SpanUnit.choices, required=False,
                                        help_text="What a selection snaps to on the annotate page.")
    labels = LabelSerializer(many=True, read_only=True)
    span_labels = LabelSerializer(many=True, read_only=True, help_text="Labels for stretches of text (entities).")


class LabelWriteSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text="PATCH: the version you last read: a "
                                       "label changed since answers 409. Leave it out to overwrite.")

    span = serializers.BooleanField(required=False, default=False, write_only=True,
                                    help_text="POST: a span label (for stretches of text), not a document label.")
    task = serializers.IntegerField(required=False, allow_null=True, default=None, write_only=True,
                                    help_text="POST: a named task's id: the label is that task's (default: the main "
                                              "task's).")

    class Meta:
        model = Label
        fields = ["name", "description", "color", "hotkey", "version", "span", "task"]


class NamedTaskSerializer(serializers.ModelSerializer):
    labels = LabelSerializer(many=True, read_only=True)
    gold_snapshot = serializers.IntegerField(
        source="gold_snapshot_id", required=False, allow_null=True,
        help_text="PUT: a ready snapshot of the task's labels whose test split its candidates for production are "
                  "evaluated on (null: none). Leave it out to keep it.")
    version = serializers.IntegerField(required=False, min_value=1, help_text="PUT: the version you last read: a "
                                       "task changed since answers 409. Leave it out to overwrite.")

    class Meta:
        model = LabelSchema
        fields = ["id", "name", "kind", "guidelines", "version", "gold_snapshot", "labels"]
        read_only_fields = ["id", "labels"]


class LabelChangesSerializer(serializers.Serializer):
    labels = serializers.ListField(
        child=serializers.DictField(), allow_empty=False,
        help_text="One object per label to change: its id, and any of name, description, color, hotkey and version "
                  "(the version you last read; a label changed since answers 409).")


def _schema_data(project):
    schema = getattr(project, "label_schema", None)
    if schema is None:
        schema = LabelSchema(project=project)
        return SchemaSerializer({"kind": schema.kind, "guidelines": "", "version": 1, "labels": [], "span_labels": [],
                                 "spans_overlap": schema.spans_overlap, "span_unit": schema.span_unit}).data
    return SchemaSerializer({"kind": schema.kind, "guidelines": schema.guidelines, "version": schema.version,
                             "spans_overlap": schema.spans_overlap, "span_unit": schema.span_unit,
                             "labels": schema.labels.all(), "span_labels": schema.span_labels.all()}).data


class SchemaView(ProjectAPIView):
    """The label schema: its kind, Markdown guidelines and labels. PUT (managers) sets kind and guidelines."""

    method_roles = {"GET": Role.ANNOTATOR}

    @extend_schema(responses=SchemaSerializer)
    def get(self, request, project_pk):
        return Response(_schema_data(get_project(request.user, project_pk)))

    @extend_schema(request=SchemaSerializer, responses=SchemaSerializer)
    def put(self, request, project_pk):
        data = self.validated(SchemaSerializer)
        schema_service.update_schema(request.user, self.project, **data)
        self.project.refresh_from_db()
        return Response(_schema_data(self.project))


class LabelCreate(ProjectAPIView):
    """Add a label (managers)."""

    @extend_schema(request=LabelWriteSerializer, responses={201: LabelSerializer})
    def post(self, request, project_pk):
        data = self.validated(LabelWriteSerializer)
        data.pop("version", None)  # a new label starts at version 1
        label = schema_service.add_label(request.user, self.project, **data)
        return Response(LabelSerializer(label).data, status=status.HTTP_201_CREATED)


class LabelChanges(ProjectAPIView):
    """Change several labels at once, all or none (managers): names and keys are checked against what the labels
    will be, so two labels may swap keys."""

    span = False

    @extend_schema(request=LabelChangesSerializer, responses=LabelSerializer(many=True))
    def patch(self, request, project_pk):
        items = self.validated(LabelChangesSerializer)["labels"]
        changes = {}
        for number, item in enumerate(items):
            item = dict(item)
            label = get_label(request.user, self.project, item.pop("id", None), span=self.span)
            serializer = LabelWriteSerializer(label, data=item, partial=True)
            if not serializer.is_valid():
                raise ValidationError({"labels": {number: serializer.errors}})
            changes[label.pk] = serializer.validated_data
        saved = schema_service.update_labels(request.user, self.project.pk, changes, span=self.span)
        return Response(LabelSerializer(saved, many=True).data)


class LabelDetail(ProjectAPIView):
    """Rename or restyle a label (annotations keep it), or delete it (managers)."""

    query = ("confirm",)
    span = False

    @extend_schema(request=LabelWriteSerializer, responses=LabelSerializer)
    def patch(self, request, project_pk, pk):
        label = get_label(request.user, self.project, pk, span=self.span)
        serializer = LabelWriteSerializer(label, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = {key: value for key, value in serializer.validated_data.items() if key not in ("span", "task")}
        schema_service.update_label(request.user, label, **values)
        return Response(LabelSerializer(label).data)

    @extend_schema(responses={204: None, 409: ErrorSerializer}, parameters=[OpenApiParameter(
        "confirm", bool, description="Take the label off the annotations that carry it (else 409).")])
    def delete(self, request, project_pk, pk):
        label = get_label(request.user, self.project, pk, span=self.span)
        schema_service.delete_label(request.user, label, confirmed=request.query_params.get("confirm") == "true")
        return Response(status=status.HTTP_204_NO_CONTENT)


class SpanLabelChanges(LabelChanges):
    """Change several span labels at once, all or none (managers): names are checked against the span labels as
    they will be, keys against every label's."""

    span = True


class SpanLabelDetail(LabelDetail):
    """Rename or restyle a span label (its spans keep it), or delete it with its spans (managers)."""

    span = True


class TaskList(ProjectAPIView):
    """The project's named tasks, each with its labels (members); POST adds one (managers). Its labels are added
    through labels/ with `task`."""

    method_roles = {"GET": Role.ANNOTATOR}

    @extend_schema(responses=NamedTaskSerializer(many=True))
    def get(self, request, project_pk):
        return Response(NamedTaskSerializer(self.project.named_tasks.prefetch_related("labels"), many=True).data)

    @extend_schema(request=NamedTaskSerializer, responses={201: NamedTaskSerializer})
    def post(self, request, project_pk):
        data = self.validated(NamedTaskSerializer)
        data.pop("version", None)
        task = schema_service.add_task(request.user, self.project, **data)
        return Response(NamedTaskSerializer(task).data, status=status.HTTP_201_CREATED)


class TaskDetail(ProjectAPIView):
    """A named task: read it (members), set its kind and guidelines (PUT), or delete it while no annotation carries
    its labels (managers)."""

    method_roles = {"GET": Role.ANNOTATOR}

    @extend_schema(responses=NamedTaskSerializer)
    def get(self, request, project_pk, pk):
        return Response(NamedTaskSerializer(get_task(request.user, project_pk, pk, Role.ANNOTATOR)).data)

    @extend_schema(request=NamedTaskSerializer, responses=NamedTaskSerializer)
    def put(self, request, project_pk, pk):
        task = get_task(request.user, project_pk, pk)
        data = self.validated(NamedTaskSerializer)
        data.pop("name", None)
        task = schema_service.update_schema(request.user, self.project, kind=data["kind"],
                                            guidelines=data.get("guidelines", ""), version=data.get("version"),
                                            task=task.pk)
        if "gold_snapshot_id" in data:
            gold = data["gold_snapshot_id"]
            snapshot = None if gold is None else self.project.snapshots.filter(pk=gold).first()
            if gold is not None and snapshot is None:
                raise schema_service.SchemaError(f"gold_snapshot: no snapshot {gold} in this project.")
            task = schema_service.set_task_gold(request.user, task, snapshot)
        return Response(NamedTaskSerializer(task).data)

    @extend_schema(responses={204: None, 409: ErrorSerializer})
    def delete(self, request, project_pk, pk):
        schema_service.delete_task(request.user, get_task(request.user, project_pk, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
