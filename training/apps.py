from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "Training"

    def ready(self):
        from django.db.models.signals import post_save

        post_save.connect(_count_label, sender="labeling.Annotation", dispatch_uid="training-count-label")


def _count_label(sender, instance, created, **kwargs):
    """A label an annotator added counts towards the project's retraining order."""
    if created and instance.annotator_id is not None:
        from .retraining.service import count_label

        count_label(instance.document.corpus.project_id)  # the submit that saved it has both loaded
