"""Cleaning recipes and runs as JSON."""

from rest_framework import serializers

from ..models import CleaningRecipe, CleaningRun


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
                  "drops", "changes", "deidentified", "found_by", "clusters", "boilerplate", "timings", "created_at"]
        read_only_fields = fields


class RunReportSerializer(RunSerializer):
    class Meta(RunSerializer.Meta):
        fields = RunSerializer.Meta.fields + ["samples"]
        read_only_fields = fields


class ClusterMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The source note's id.")
    external_id = serializers.CharField()
    kept = serializers.BooleanField(help_text="False: dropped as a near-duplicate.")


class ClusterSerializer(serializers.Serializer):
    representative = serializers.IntegerField(help_text="The kept note's id.")
    size = serializers.IntegerField()
    members = ClusterMemberSerializer(many=True)


class ClusterPageSerializer(serializers.Serializer):
    clusters = ClusterSerializer(many=True)
    next_after = serializers.IntegerField(allow_null=True,
                                          help_text="Pass as ?after= for the next page; null at the end.")
