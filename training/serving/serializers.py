"""Predict requests as JSON."""

from rest_framework import serializers


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


class PredictionResultSerializer(serializers.Serializer):
    labels = serializers.ListField(child=serializers.CharField(), help_text="The labels predicted for the text.")
    scores = serializers.DictField(child=serializers.FloatField(), help_text="Label name → its score, 0 to 1.")


class PredictResponseSerializer(serializers.Serializer):
    model = serializers.CharField(help_text="The registered classifier that answered.")
    version = serializers.IntegerField(help_text="Its version number.")
    version_id = serializers.IntegerField(help_text="The version's id.")
    predictions = PredictionResultSerializer(many=True, help_text="One per text, in the order sent.")
