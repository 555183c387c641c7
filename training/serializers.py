from rest_framework import serializers

from .models import CleaningRecipe, CleaningRun, EvaluationReport, Finetuning, ModelVersion, Pretraining, RegisteredModel


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

    class Meta:
        model = ModelVersion
        fields = ["id", "model", "kind", "version", "base", "base_name", "job", "params", "lineage", "metrics", "size",
                  "created_at"]
        read_only_fields = fields


class RegisteredModelSerializer(serializers.ModelSerializer):
    versions = ModelVersionSerializer(many=True, read_only=True)

    class Meta:
        model = RegisteredModel
        fields = ["id", "name", "kind", "versions"]
        read_only_fields = fields


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
