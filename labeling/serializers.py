from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .importing.formats import FORMATS
from .models import (
    Annotation,
    AnnotatorPool,
    Corpus,
    DatasetSnapshot,
    Document,
    Label,
    Membership,
    Prediction,
    Project,
    Role,
    Upload,
)
from .services import search
from .services.projects import MembershipError, find_user
from .services.spans import as_dicts


class _ProjectSnapshotField(serializers.PrimaryKeyRelatedField):
    """A ready snapshot of the project being edited (any other id does not exist)."""

    def get_queryset(self):
        instance = self.parent.instance
        return DatasetSnapshot.objects.filter(project=instance if instance and instance.pk else None,
                                              status=DatasetSnapshot.Status.READY)


class ProjectSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="Your role in the project; null for admins who are not members.")
    gold_snapshot = _ProjectSnapshotField(required=False, allow_null=True,
                                          help_text="The ready snapshot candidates for production are evaluated on.")

    class Meta:
        model = Project
        fields = ["id", "name", "description", "overlap", "reservation_minutes", "task_order", "gold_snapshot", "role",
                  "created_at", "updated_at"]
        read_only_fields = ["id", "role", "created_at", "updated_at"]

    def get_role(self, project) -> str | None:
        return getattr(project, "user_role", None)


class MembershipSerializer(serializers.ModelSerializer):
    user = serializers.CharField(
        write_only=True, help_text="Username or e-mail address of the user to add (only when adding)."
    )
    username = serializers.CharField(source="user.username", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "role", "added_at"]
        read_only_fields = ["id", "username", "added_at"]

    def validate_user(self, value):
        try:
            return find_user(value)
        except MembershipError as error:
            raise serializers.ValidationError(str(error)) from None


class MembershipRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)




class UploadSerializer(serializers.ModelSerializer):
    class Meta:
        model = Upload
        fields = ["id", "original_name", "server_path", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class UploadCreateSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV, TSV, JSONL, JSON, TXT, ZIP of .txt files or Parquet.")


class ServerFileSerializer(serializers.Serializer):
    path = serializers.CharField(max_length=1000, help_text="A file in one of the server import folders.")


class PreviewSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=list(FORMATS))
    encoding = serializers.CharField(allow_null=True)
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.DictField())
    errors = serializers.ListField(child=serializers.ListField())
    suggested = serializers.DictField(help_text="Text, id and label fields guessed from the column names and values.")
    profile = serializers.DictField(help_text="Per column, over the first rows: average_length, numeric (every value "
                                    "a number) and values (the distinct values, or null when there are many).")
    warnings = serializers.DictField(child=serializers.CharField(),
                                     help_text="Columns that look wrong as the text column, and why.")


class CorpusSerializer(serializers.ModelSerializer):
    search_pending = serializers.SerializerMethodField(
        help_text="Notes still waiting to be indexed for search after an import (searches find them meanwhile, "
                  "more slowly).")

    class Meta:
        model = Corpus
        fields = [
            "id", "name", "kind", "parent", "status", "role", "document_count", "source_name", "source_sha256",
            "mapping", "error_count", "errors", "created_at", "search_pending",
        ]
        read_only_fields = fields

    def get_search_pending(self, corpus) -> int:
        return search.pending(corpus)


class CorpusRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Corpus.Role.choices, help_text="queue: annotators label it, it is counted "
                                   "and frozen in snapshots; aside: kept, but not labeled or counted.")


class ImportStartSerializer(serializers.Serializer):
    upload = serializers.IntegerField(help_text="An upload of this project.")
    name = serializers.CharField(max_length=120)
    format = serializers.ChoiceField(choices=list(FORMATS))
    text_field = serializers.CharField(max_length=200, required=False, default="text")
    id_field = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    meta_fields = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list)
    label_fields = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list,
        help_text="Fields whose labels come in as imported annotations: a name, a list, or names joined by label_delimiter.",
    )
    label_delimiter = serializers.CharField(max_length=5, required=False, allow_blank=True, default="", trim_whitespace=False)
    label_values = serializers.DictField(
        child=serializers.CharField(max_length=80, allow_blank=True), required=False, default=dict,
        help_text="Label names for the values of the label fields, as {\"1\": \"Neoplasms\"}; these labels are added "
                  "in this order. Values not named become labels of their own name.",
    )
    span_field = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="",
        help_text="A field holding each note's spans: a list (or its JSON text) of {start, end, label}, [start, end, "
                  "label] (doccano) or {value: {start, end, labels}} (Label Studio), offsets into the text; they come "
                  "in as imported annotations, their labels added as span labels.")
    allow_short_text = serializers.BooleanField(
        required=False, default=False,
        help_text="Import a text field that holds numbers or short codes (refused otherwise, as the preview warns).")
    max_errors = serializers.IntegerField(min_value=0, required=False, default=100)


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "corpus", "external_id", "text", "meta", "content_hash", "length", "split", "duplicate_of"]
        read_only_fields = fields


class SpanSerializer(serializers.Serializer):
    start = serializers.IntegerField(help_text="Character offset of the span's first character in the note's text.")
    end = serializers.IntegerField(help_text="Character offset just after its last character.")
    label = serializers.CharField(help_text="A span label's name.")


class AnnotationSerializer(serializers.ModelSerializer):
    labels = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    spans = serializers.SerializerMethodField()

    class Meta:
        model = Annotation
        fields = ["id", "document", "labels", "spans", "comment", "version", "source", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(SpanSerializer(many=True))
    def get_spans(self, annotation):
        known = getattr(annotation, "_prefetched_objects_cache", {}).get("spans")
        return as_dicts(known if known is not None else annotation.spans.select_related("label"))


class SubmitSerializer(serializers.Serializer):
    labels = serializers.ListField(child=serializers.IntegerField(), help_text="Label ids of the project; [] in a "
                                   "multi-label project is the answer “no label applies”.")
    task_labels = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_null=True, default=None,
        help_text="Label ids of the project's named tasks: one for each single-label task, any number for a "
                  "multi-label one. Leave it out to keep those the annotation had (a new annotation answers each).")
    spans = serializers.ListField(
        child=serializers.JSONField(), required=False, allow_null=True, default=None, max_length=10_000,
        help_text="The spans you mark, [{start, end, label}] (character offsets, a span label's name); they replace "
                  "those the annotation had. Leave it out to keep them.")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        required=False, allow_null=True, default=None,
        help_text="To change an annotation: the version you last saw (a stale one gets a 409).",
    )


class LabelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Label
        fields = ["id", "name", "description", "color", "hotkey", "version"]
        read_only_fields = fields


class PredictionSerializer(serializers.ModelSerializer):
    labels = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Prediction
        fields = ["id", "document", "model_version", "labels", "scores", "spans", "uncertainty", "explanation",
                  "created_at"]
        read_only_fields = fields


class PredictionItemSerializer(serializers.Serializer):
    document = serializers.IntegerField(help_text="A document of this project.")
    labels = serializers.ListField(child=serializers.CharField(max_length=80), required=False, default=list,
                                   help_text="Label names the model predicts (pre-selected for annotators).")
    scores = serializers.DictField(required=False, default=dict, help_text="{label name: probability from 0 to 1}.")
    spans = serializers.ListField(child=serializers.DictField(), required=False, default=list,
                                  help_text="Predicted spans, [{start, end, label, score}]: character offsets and a "
                                            "span label's name, checked as annotators' spans are.")
    explanation = serializers.DictField(required=False, default=dict,
                                        help_text="Why: {label, words: [{start, end, weight}]}, the words of the "
                                                  "note that pushed the model towards the label (weight > 0) or "
                                                  "away (< 0), highlighted on the annotate and review pages.")


class PredictionBatchSerializer(serializers.Serializer):
    model_version = serializers.CharField(max_length=200)
    predictions = PredictionItemSerializer(many=True)


class PoolSerializer(serializers.ModelSerializer):
    annotators = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)

    class Meta:
        model = AnnotatorPool
        fields = ["id", "name", "annotators", "description", "document_count", "created_at"]
        read_only_fields = fields


class PoolCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    annotators = serializers.ListField(child=serializers.IntegerField(), help_text="User ids of project members.")
    corpus = serializers.IntegerField(help_text="A corpus of the project.")
    filter = serializers.DictField(
        required=False, default=dict,
        help_text="The documents' filter, as on the documents list: q, split, label, labeled, annotator, duplicates.",
    )


class TaskSerializer(serializers.Serializer):
    document = DocumentSerializer()
    reserved_until = serializers.DateTimeField()
    annotation = AnnotationSerializer(allow_null=True, help_text="Your labels, when you are redoing a submission.")
    prediction = PredictionSerializer(allow_null=True, help_text="A model's labels for the document, to confirm or change.")
    labels = LabelSerializer(many=True)
    progress = serializers.DictField()


class AgreementPairSerializer(serializers.Serializer):
    first = serializers.IntegerField(help_text="An annotator's user id.")
    second = serializers.IntegerField()
    documents = serializers.IntegerField(help_text="Documents both labeled.")
    cohen_kappa = serializers.FloatField(allow_null=True)


class AgreementLabelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    fleiss_kappa = serializers.FloatField(allow_null=True)
    krippendorff_alpha = serializers.FloatField(allow_null=True)


class AgreementSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="single or multi: multi-label figures are means over the labels.")
    documents_compared = serializers.IntegerField(help_text="Documents with two or more annotations.")
    fleiss_kappa = serializers.FloatField(allow_null=True)
    krippendorff_alpha = serializers.FloatField(allow_null=True)
    annotators = serializers.ListField(child=serializers.IntegerField())
    pairs = AgreementPairSerializer(many=True)
    labels = AgreementLabelSerializer(many=True)
    spans = serializers.DictField(
        allow_null=True, help_text="Projects with span labels: span F1 between annotators on the notes both labeled, "
        "exact (same boundaries and label) and by overlap — exact_f1, overlap_f1, pairs [{first, second, documents, "
        "exact_f1, overlap_f1}], per_label [{label, exact_f1, overlap_f1}]; null otherwise.")


class SnapshotSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = DatasetSnapshot
        fields = ["id", "name", "task", "status", "job", "train_ratio", "validation_ratio", "test_ratio", "seed",
                  "corpora", "sha256", "size", "row_count", "counts", "rules", "unresolved", "created_by", "created_at"]
        read_only_fields = fields


class SnapshotCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    train_ratio = serializers.FloatField(min_value=0, max_value=1, default=0.8)
    validation_ratio = serializers.FloatField(min_value=0, max_value=1, default=0.1)
    test_ratio = serializers.FloatField(min_value=0, max_value=1, default=0.1)
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=13)
    corpora = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_empty=False,
        help_text="Ids of the ready corpora whose labeled documents to freeze; by default those in the labeling queue.")
    task = serializers.IntegerField(required=False, allow_null=True, default=None,
                                    help_text="A named task's id: freeze its labels (default: the main task's).")
