"""Review through the API (disagreements, who said what, final labels, rejections: reviewers and
managers), agreement, and the managers' dashboard figures."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from ..access import get_document
from ..models import Annotation, Role
from ..serializers import AgreementSerializer, DocumentSerializer, SpanSerializer
from ..services import agreement, browse, dashboard, review
from ..services.spans import as_dicts
from .base import ProjectAPIView


class ReviewedAnnotationSerializer(serializers.ModelSerializer):
    annotator = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    labels = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    spans = serializers.SerializerMethodField()

    class Meta:
        model = Annotation
        fields = ["id", "annotator", "source", "labels", "spans", "comment", "version", "rejected_reason",
                  "updated_at"]
        read_only_fields = fields

    @extend_schema_field(SpanSerializer(many=True))
    def get_spans(self, annotation):
        return as_dicts(annotation.spans.all())


class FinalLabelsSerializer(serializers.Serializer):
    labels = serializers.ListField(child=serializers.IntegerField())
    spans = serializers.ListField(child=serializers.JSONField(), required=False, allow_null=True, default=None,
                                  max_length=10_000, help_text="The final spans, [{start, end, label}]; left out: "
                                                               "as they were.")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Shown to the annotator.")


class ReviewStateSerializer(serializers.Serializer):
    annotations = ReviewedAnnotationSerializer(many=True)
    review = serializers.DictField(allow_null=True, help_text="The final labels: reviewer, labels, spans (null: not "
                                                              "settled), comment, updated_at.")


def _review_data(document):
    settled = getattr(document, "review", None)
    return {
        "annotations": ReviewedAnnotationSerializer(review.who_said_what(document), many=True).data,
        "review": None if settled is None else {
            "reviewer": settled.reviewer.get_username(), "labels": [label.pk for label in settled.labels.all()],
            "spans": settled.spans, "comment": settled.comment, "updated_at": settled.updated_at,
        },
    }


@extend_schema(parameters=[OpenApiParameter("after", int, description="Keyset: documents after this id.")])
class Disagreements(ProjectAPIView):
    """Documents annotators labeled differently that no reviewer has settled, in id order."""

    query = ("after",)
    minimum_role = Role.REVIEWER

    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request, project_pk):
        after = browse.whole_number(request.query_params, "after") or 0
        documents, next_after = review.disagreements(self.project, after)
        return Response({"results": DocumentSerializer(documents, many=True).data, "next_after": next_after})


class DocumentReview(ProjectAPIView):
    """Who said what about a document, and its final labels; POST records them."""

    minimum_role = Role.REVIEWER

    @extend_schema(responses=ReviewStateSerializer)
    def get(self, request, project_pk, pk):
        return Response(_review_data(get_document(request.user, self.project, pk, Role.REVIEWER)))

    @extend_schema(request=FinalLabelsSerializer, responses={201: ReviewStateSerializer})
    def post(self, request, project_pk, pk):
        document = get_document(request.user, self.project, pk, Role.REVIEWER)
        data = self.validated(FinalLabelsSerializer)
        review.adjudicate(request.user, document, data["labels"], data["comment"], spans=data["spans"])
        document.refresh_from_db()
        return Response(_review_data(document), status=status.HTTP_201_CREATED)


class RejectAnnotation(ProjectAPIView):
    """Reject an annotation with a reason its annotator sees on the annotate page."""

    minimum_role = Role.REVIEWER

    @extend_schema(request=RejectSerializer, responses=ReviewedAnnotationSerializer)
    def post(self, request, project_pk, pk):
        annotation = Annotation.objects.filter(document__corpus__project=self.project, pk=pk).first()
        if annotation is None:
            raise Http404("No such annotation.")
        data = self.validated(RejectSerializer)
        review.reject(request.user, annotation, data["reason"])
        return Response(ReviewedAnnotationSerializer(annotation).data)


class DashboardSerializer(serializers.Serializer):
    documents = serializers.IntegerField()
    complete = serializers.IntegerField(help_text="Documents with all the annotators the overlap asks for.")
    labeled = serializers.IntegerField(help_text="Documents with at least one annotator's labels.")
    overlap = serializers.IntegerField()
    annotators = serializers.ListField(child=serializers.DictField(),
                                       help_text="username, annotations, last, median_seconds per note.")
    labels = serializers.ListField(child=serializers.DictField(), help_text="name and count of each label given.")
    agreement = serializers.DictField()
    review = serializers.DictField(help_text="waiting: disagreements no reviewer settled; settled: notes with final labels.")
    recent_jobs = serializers.SerializerMethodField()

    def get_recent_jobs(self, found) -> list[dict]:
        return [{"id": job.pk, "kind": job.kind, "status": job.status} for job in found["recent_jobs"]]


class Dashboard(ProjectAPIView):
    """Progress, annotators' counts and speed, labels given, agreement, review and recent jobs. Managers."""

    @extend_schema(responses=DashboardSerializer)
    def get(self, request, project_pk):
        return Response(DashboardSerializer(dashboard.figures(self.project)).data)


class Agreement(ProjectAPIView):
    """Cohen's kappa per annotator pair; Fleiss' kappa and Krippendorff's alpha (nominal) for the project
    and per label. Reviewers and managers."""

    minimum_role = Role.REVIEWER

    @extend_schema(responses=AgreementSerializer)
    def get(self, request, project_pk):
        return Response(AgreementSerializer(agreement.project_agreement(self.project)).data)
