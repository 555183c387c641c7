"""Registered models, versions and alias moves as JSON."""

from rest_framework import serializers

from ..evaluation.serializers import PairedTestSerializer
from ..models import AliasChange, ModelVersion, RegisteredModel


class ModelVersionSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="registered_model.name", read_only=True)
    kind = serializers.CharField(source="registered_model.kind", read_only=True)
    aliases = serializers.SerializerMethodField(help_text="The aliases this version holds now.")

    class Meta:
        model = ModelVersion
        fields = ["id", "model", "kind", "version", "aliases", "base", "base_name", "job", "params", "lineage",
                  "metrics", "size", "sha256", "created_at"]
        read_only_fields = fields

    def get_aliases(self, version) -> list[str]:
        return sorted(alias.name for alias in version.aliases.all())


class RegisteredModelSerializer(serializers.ModelSerializer):
    versions = ModelVersionSerializer(many=True, read_only=True)
    aliases = serializers.SerializerMethodField(help_text="{alias: version id}.")

    class Meta:
        model = RegisteredModel
        fields = ["id", "name", "kind", "aliases", "versions"]
        read_only_fields = fields

    def get_aliases(self, registered) -> dict:
        return {alias.name: alias.version_id for alias in registered.aliases.all()}


class AliasChangeSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="registered_model.name", read_only=True)
    version_number = serializers.IntegerField(source="version.version", read_only=True)
    previous_number = serializers.IntegerField(source="previous.version", read_only=True, allow_null=True)
    actor = serializers.CharField(source="actor.get_username", read_only=True, allow_null=True)

    class Meta:
        model = AliasChange
        fields = ["id", "model", "alias", "action", "version", "version_number", "previous", "previous_number",
                  "reason", "comparison", "actor", "created_at"]
        read_only_fields = fields


class AliasMoveSerializer(serializers.Serializer):
    alias = serializers.ChoiceField(choices=["production", "staging"], default="production",
                                    help_text="production (admins) or staging (managers propose).")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                   help_text="Why; required to promote a candidate worse than production.")


class PromotionMetricSerializer(serializers.Serializer):
    metric = serializers.CharField()
    values = serializers.ListField(child=serializers.FloatField(allow_null=True), help_text="Production, candidate.")
    deltas = serializers.ListField(child=serializers.FloatField(allow_null=True))


class PromotionCaseSerializer(serializers.Serializer):
    candidate = serializers.IntegerField(help_text="The version's id.")
    production = serializers.IntegerField(allow_null=True, help_text="The version in production now.")
    gold_snapshot = serializers.IntegerField(allow_null=True)
    candidate_report = serializers.IntegerField(allow_null=True, help_text="Its evaluation on the gold snapshot.")
    production_report = serializers.IntegerField(allow_null=True)
    problems = serializers.ListField(child=serializers.CharField(), help_text="What stands in the way.")
    worse = serializers.BooleanField(help_text="The candidate scores below production: a reason is required.")
    collapsed = serializers.CharField(allow_null=True, help_text="Set when the candidate predicts the same for every "
                                                                  "note (a collapsed model): a reason is required.")
    primary_metric = serializers.CharField()
    delta = serializers.FloatField(allow_null=True)
    metrics = PromotionMetricSerializer(many=True)
    test = PairedTestSerializer(allow_null=True, help_text="The paired bootstrap test against production.")
