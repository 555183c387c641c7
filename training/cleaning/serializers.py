"""Cleaning recipes and runs as JSON."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import CleaningRecipe, CleaningRun
from . import report


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


class ShardPassSerializer(serializers.Serializer):
    phase = serializers.CharField()
    label = serializers.CharField()
    total = serializers.IntegerField(help_text="Shards of the pass.")
    done = serializers.IntegerField()
    running = serializers.IntegerField()
    failed = serializers.IntegerField()
    notes = serializers.IntegerField(help_text="Source notes over the pass's shards.")
    workers = serializers.DictField(child=serializers.IntegerField(), help_text="{worker: shards it did}.")
    at_work = serializers.ListField(child=serializers.CharField(), help_text="Workers doing one of its shards now.")


class RunReportSerializer(RunSerializer):
    shards = serializers.SerializerMethodField(help_text="Each pass's shards and the workers that did them.")

    class Meta(RunSerializer.Meta):
        fields = RunSerializer.Meta.fields + ["samples", "shards"]
        read_only_fields = fields

    @extend_schema_field(ShardPassSerializer(many=True))
    def get_shards(self, run):
        return report.shards(run)


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
