"""Evaluation reports as JSON."""

from rest_framework import serializers

from ..models import EvaluationReport


class EvaluationSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationReport
        fields = ["id", "model_version", "snapshot", "split", "job", "status", "metrics", "errors", "created_at"]
        read_only_fields = fields


class EvaluateSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(help_text="A classifier version of the project.")
    snapshot = serializers.IntegerField(help_text="A ready snapshot of the project with the classifier's labels.")


class MetricRowSerializer(serializers.Serializer):
    metric = serializers.CharField()
    name = serializers.CharField(help_text="The metric as people read it: “Calibration error (ECE)”.")
    higher_is_better = serializers.BooleanField(help_text="False where a rise is worse (calibration error).")
    values = serializers.ListField(child=serializers.FloatField(allow_null=True),
                                   help_text="One per column: a report, or pooled by seeds the mean of its seeds.")
    spreads = serializers.ListField(child=serializers.FloatField(allow_null=True),
                                    help_text="Pooled by seeds: the standard deviation over each column's seeds "
                                              "(null for one report).")
    deltas = serializers.ListField(child=serializers.FloatField(allow_null=True),
                                   help_text="Each column's value minus the first column's.")
    verdicts = serializers.ListField(child=serializers.ChoiceField(["better", "worse", "same"], allow_null=True),
                                     help_text="Each report against the first, by the metric's direction (null for "
                                               "the first and where a value is missing).")


class PairedTestSerializer(serializers.Serializer):
    delta = serializers.FloatField()
    low = serializers.FloatField(help_text="2.5th percentile of the bootstrap deltas.")
    high = serializers.FloatField(help_text="97.5th percentile.")
    p_value = serializers.FloatField()
    significant = serializers.BooleanField()


class ComparisonSerializer(serializers.Serializer):
    reports = serializers.ListField(child=serializers.IntegerField())
    columns = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()),
                                    help_text="The report ids of each column: one each, or pooled by seeds a fine-tune's.")
    metrics = MetricRowSerializer(many=True)
    tests = PairedTestSerializer(many=True, allow_null=True, help_text="Paired bootstrap test of each column against "
                                                                       "the first (null for the first), on macro F1 "
                                                                       "(span taggers: exact entity F1).")
    micro_tests = PairedTestSerializer(many=True, allow_null=True, help_text="The same test on micro F1 (span "
                                                                             "taggers: entity F1 by overlap).")
    test_names = serializers.ListField(child=serializers.CharField(), help_text="What the two tests compare: macro "
                                       "and micro F1, or for span taggers entity F1 exact and by overlap.")
