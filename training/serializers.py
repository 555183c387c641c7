from rest_framework import serializers

from .models import (
    AliasChange,
    CleaningRecipe,
    CleaningRun,
    EvaluationReport,
    Finetuning,
    ModelVersion,
    Pretraining,
    RegisteredModel,
    RetrainPolicy,
)


class RecipeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CleaningRecipe
        fields = ["id", "name", "steps", "updated_at"]
        read_only_fields = ["id", "updated_at"]


class CleanStartSerializer(serializers.Serializer):
    recipe = serializers.DictField(required=False, default=dict,
                                   help_text="Settings to use; missing ones take their defaults (see GET …/cleaning/defaults/).")
    recipe_id = serializers.IntegerField(required=False, allow_null=True, default=None,
                                         help_text="A saved recipe of the project (its settings, then `recipe` on top).")


class RunSerializer(serializers.ModelSerializer):
    class Meta:
        model = CleaningRun
        fields = ["id", "source", "output", "recipe", "steps", "job", "status", "documents_in", "documents_out",
                  "drops", "changes", "deidentified", "clusters", "boilerplate", "timings", "created_at"]
        read_only_fields = fields


class RunReportSerializer(RunSerializer):
    class Meta(RunSerializer.Meta):
        fields = RunSerializer.Meta.fields + ["samples"]
        read_only_fields = fields


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


class PredictRequestSerializer(serializers.Serializer):
    texts = serializers.JSONField(required=False, help_text="A list of texts (or use \"text\").")
    text = serializers.CharField(required=False, trim_whitespace=False, help_text="One text.")
    model = serializers.CharField(required=False, help_text="A registered classifier's name (default: the one "
                                                            "in production).")
    version = serializers.IntegerField(required=False, help_text="A version id, to ask a version other than "
                                                                 "production.")


class PredictJobSerializer(serializers.Serializer):
    corpus = serializers.IntegerField(help_text="A ready corpus of the project.")
    measure = serializers.ChoiceField(choices=["least_confidence", "margin", "entropy"], default="least_confidence",
                                      help_text="How uncertainty is measured for the task queue.")


class PretrainingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pretraining
        fields = ["id", "config", "job", "status", "output", "created_at"]
        read_only_fields = fields


class FinetuningSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finetuning
        fields = ["id", "snapshot", "config", "job", "status", "output", "created_at"]
        read_only_fields = fields


class EvaluationSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationReport
        fields = ["id", "model_version", "snapshot", "split", "job", "status", "metrics", "errors", "created_at"]
        read_only_fields = fields


class EvaluateSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(help_text="A classifier version of the project.")
    snapshot = serializers.IntegerField(help_text="A ready snapshot of the project with the classifier's labels.")


class RetrainPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = RetrainPolicy
        fields = ["enabled", "every", "model_name", "measure", "pending", "runs", "last_job", "updated_at"]
        read_only_fields = ["pending", "runs", "last_job", "updated_at"]
