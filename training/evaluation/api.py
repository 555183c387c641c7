"""Evaluations through the API (managers): start one, read a report, compare reports."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from labeling.api.base import ProjectAPIView

from ..access import get_report, get_version
from .compare import compare
from .serializers import ComparisonSerializer, EvaluateSerializer, EvaluationSerializer
from .service import start_evaluation


class EvaluationList(ProjectAPIView):
    """Start an evaluation of a classifier on a snapshot's test split (refused when their labels differ)."""

    @extend_schema(request=EvaluateSerializer, responses={201: EvaluationSerializer})
    def post(self, request, project_pk):
        data = self.validated(EvaluateSerializer)
        version = get_version(request.user, self.project, data["model_version"])
        snapshot = self.project.snapshots.filter(pk=data["snapshot"]).first()
        if snapshot is None:
            raise ValidationError({"snapshot": ["No such snapshot in this project."]})
        report = start_evaluation(request.user, self.project, version, snapshot)
        return Response(EvaluationSerializer(report).data, status=status.HTTP_201_CREATED)


class EvaluationDetail(ProjectAPIView):
    """An evaluation report: every figure, and the misclassified documents with their scores."""

    admins = True  # the registry's evidence: studio admins read it in every project, as they promote
    @extend_schema(responses=EvaluationSerializer)
    def get(self, request, project_pk, pk):
        return Response(EvaluationSerializer(get_report(request.user, self.project, pk)).data)


@extend_schema(parameters=[
    OpenApiParameter("report", int, many=True, description="Two or more report ids on one snapshot split."),
    OpenApiParameter("pool", str, enum=["seeds"], description="seeds: one column per fine-tune, its seeds' mean "
                                                              "± sd; the tests compare seed means.")])
class EvaluationComparison(ProjectAPIView):
    """Reports side by side: each metric with its delta against the first, and paired bootstrap tests."""

    query = ("report", "pool")
    admins = True

    @extend_schema(responses=ComparisonSerializer)
    def get(self, request, project_pk):
        ids = [int(value) for value in request.query_params.getlist("report") if value.isdigit()]
        reports = [get_report(request.user, self.project, pk) for pk in dict.fromkeys(ids)]
        found = compare(reports, pool_seeds=request.query_params.get("pool") == "seeds")
        keys = ("metric", "name", "higher_is_better", "values", "spreads", "deltas", "verdicts")
        return Response({"reports": [report.pk for report in reports],
                         "columns": [[report.pk for report in column["reports"]] for column in found["columns"]],
                         "metrics": [{key: row[key] for key in keys} for row in found["table"]],
                         "tests": found["tests"], "micro_tests": found["micro_tests"],
                         "test_names": list(found["test_names"])})
