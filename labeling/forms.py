from django import forms

from .models import Corpus, DatasetSnapshot, Label, LabelSchema, Project, Role
from .services.projects import MembershipError, find_user


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class ProjectEditForm(ProjectForm):
    """A project's settings, the task queue's among them."""

    class Meta(ProjectForm.Meta):
        fields = ["name", "description", "overlap", "reservation_minutes", "task_order", "gold_snapshot"]
        labels = {"overlap": "Annotators per note", "reservation_minutes": "Minutes a note stays reserved",
                  "task_order": "Which note comes next", "gold_snapshot": "Gold snapshot for promotion"}

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gold_snapshot"].queryset = project.snapshots.filter(status=DatasetSnapshot.Status.READY)


class MemberAddForm(forms.Form):
    user = forms.CharField(label="Username or e-mail", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ANNOTATOR)

    def clean_user(self):
        try:
            return find_user(self.cleaned_data["user"])
        except MembershipError as error:
            raise forms.ValidationError(str(error)) from None


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class SchemaForm(forms.ModelForm):
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["span_unit"].required = False  # left out: as it is

    class Meta:
        model = LabelSchema
        fields = ["kind", "spans_overlap", "span_unit", "guidelines"]
        labels = {"kind": "Each note gets", "spans_overlap": "Spans may overlap (nested entities)",
                  "span_unit": "A selection of text snaps to", "guidelines": "Guidelines (Markdown)"}
        widgets = {"guidelines": forms.Textarea(attrs={"rows": 8})}


class LabelForm(forms.ModelForm):
    class Meta:
        model = Label
        fields = ["name", "description", "color", "hotkey"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}


class LabelAddForm(LabelForm):
    span = forms.BooleanField(required=False, label="Span label (marks stretches of text)")


class TaskForm(forms.ModelForm):
    class Meta:
        model = LabelSchema
        fields = ["name", "kind", "guidelines"]
        labels = {"name": "Task name", "kind": "The task takes", "guidelines": "Its guidelines, in Markdown"}
        widgets = {"guidelines": forms.Textarea(attrs={"rows": 3})}


class LabelEditForm(LabelForm):
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class SnapshotForm(forms.Form):
    name = forms.CharField(max_length=120)
    train_ratio = forms.FloatField(min_value=0, max_value=1, initial=0.8, label="Train share")
    validation_ratio = forms.FloatField(min_value=0, max_value=1, initial=0.1, label="Validation share")
    test_ratio = forms.FloatField(min_value=0, max_value=1, initial=0.1, label="Test share")
    seed = forms.IntegerField(min_value=0, max_value=2**31 - 1, initial=13,
                              help_text="Orders new documents into splits; documents keep the split they had.")
    corpora = forms.ModelMultipleChoiceField(
        queryset=Corpus.objects.none(), widget=forms.CheckboxSelectMultiple, label="Corpora to freeze",
        help_text="The labeled documents of these corpora; the ones in the labeling queue are ticked.")
    task = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Task",
                                  help_text="Whose labels it freezes: the main task's (with its spans) or a named "
                                            "task's.")

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        named = list(project.named_tasks.values_list("pk", "name"))
        if named:
            self.fields["task"].choices = [("", "Main labels"), *named]
        else:
            del self.fields["task"]
        self.fields["corpora"].queryset = project.corpora.filter(status=Corpus.Status.READY).order_by("id")
        self.fields["corpora"].initial = list(
            self.fields["corpora"].queryset.filter(role=Corpus.Role.QUEUE).values_list("id", flat=True))


class CorpusRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Corpus.Role.choices, widget=forms.RadioSelect, label="Role")
