"""The pretraining configuration as a form."""

from studio.settings_schema import SettingsForm

from . import config as pretraining


class PretrainForm(SettingsForm):
    schema = pretraining.SETTINGS

    def __init__(self, *args, corpora=(), bases=(), **kwargs):
        self.many = {"corpora": [(str(corpus.pk), f"{corpus.name} ({corpus.get_kind_display().lower()}, "
                                                  f"{corpus.document_count} notes)") for corpus in corpora]}
        self.choices = {"base": [("", "—"), *bases]}
        super().__init__(*args, **kwargs)
        self.fields["corpora"].initial = [str(pk) for pk in self.fields["corpora"].initial]
