"""Predict requests as JSON."""

from rest_framework import serializers


class PredictRequestSerializer(serializers.Serializer):
    texts = serializers.JSONField(required=False, help_text="A list of texts (or use \"text\").")
    text = serializers.CharField(required=False, trim_whitespace=False, help_text="One text.")
    model = serializers.CharField(required=False, help_text="A registered classifier's name (default: the one "
                                                            "in production).")
    version = serializers.IntegerField(required=False, help_text="A version id, to ask a version other than "
                                                                 "production.")
    explain = serializers.BooleanField(required=False, default=False,
                                       help_text="Also the words that pushed each text towards its top label "
                                                 "(classifiers: the baseline or an encoder).")


class PredictJobSerializer(serializers.Serializer):
    corpus = serializers.IntegerField(help_text="A ready corpus of the project.")
    measure = serializers.ChoiceField(choices=["least_confidence", "margin", "entropy"], default="least_confidence",
                                      help_text="How uncertainty is measured for the task queue.")
    explain = serializers.BooleanField(required=False, default=False,
                                       help_text="Also keep the words that pushed each prediction towards its top "
                                                 "label, highlighted on the annotate and review pages (the baseline "
                                                 "or an encoder; an encoder adds about a second a note on a CPU).")


class ExplainedWordSerializer(serializers.Serializer):
    start = serializers.IntegerField(help_text="The word's first character in the text.")
    end = serializers.IntegerField(help_text="One past its last character.")
    weight = serializers.FloatField(help_text="How far it pushed towards the label (negative: away from it).")


class ExplanationSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="The label explained: the text's top-scoring one.")
    words = ExplainedWordSerializer(many=True, help_text="The strongest words either way, in reading order.")


class PredictionResultSerializer(serializers.Serializer):
    labels = serializers.ListField(child=serializers.CharField(), help_text="The labels predicted for the text.")
    scores = serializers.DictField(child=serializers.FloatField(), help_text="Label name → its score, 0 to 1.")
    explanation = ExplanationSerializer(required=False, help_text="With \"explain\": true.")


class PredictResponseSerializer(serializers.Serializer):
    model = serializers.CharField(help_text="The registered classifier that answered.")
    version = serializers.IntegerField(help_text="Its version number.")
    version_id = serializers.IntegerField(help_text="The version's id.")
    predictions = PredictionResultSerializer(many=True, help_text="One per text, in the order sent.")
