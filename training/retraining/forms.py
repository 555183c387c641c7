"""The retraining order as a form."""

from django import forms

from ..models import RetrainPolicy


class RetrainPolicyForm(forms.ModelForm):
    class Meta:
        model = RetrainPolicy
        fields = ["enabled", "every", "model_name", "measure"]
        labels = {"enabled": "Retrain automatically", "every": "Every this many new labels",
                  "model_name": "Classifier name", "measure": "Uncertainty measure"}
