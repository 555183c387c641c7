"""Projects, their members and roles, and their label schema."""


from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, OuterRef, Subquery

from studio.models import Authored


class Role(models.TextChoices):
    ANNOTATOR = "annotator", "Annotator"
    REVIEWER = "reviewer", "Reviewer"
    MANAGER = "manager", "Manager"

    @classmethod
    def rank(cls, role):
        """Roles are nested: a manager may do all a reviewer may, a reviewer all an annotator may."""
        return [cls.ANNOTATOR, cls.REVIEWER, cls.MANAGER].index(role) if role else -1


class ProjectQuerySet(models.QuerySet):
    def for_user(self, user):
        """The projects `user` may see, each annotated with `user_role` (None for superusers who are not members).

        Every view and API endpoint starts here: what is not in this queryset is a 404.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
            return self.annotate(user_role=Subquery(role))
        # The membership's join is filtered and read at once (cheaper to build than a subquery; one row a project).
        return self.filter(memberships__user=user).annotate(user_role=F("memberships__role"))


class Project(Authored):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=5000)
    overlap = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="How many annotators label each document.",
    )
    reservation_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="How long a document handed to an annotator stays theirs before others may get it.",
    )

    class TaskOrder(models.TextChoices):
        SEQUENTIAL = "sequential", "In order"
        RANDOM = "random", "Random"
        UNCERTAINTY = "uncertainty", "Most uncertain prediction first"

    task_order = models.CharField(
        max_length=12, choices=TaskOrder.choices, default=TaskOrder.SEQUENTIAL,
        help_text="Which open note an annotator gets next. By uncertainty needs model predictions; "
                  "notes without one come after, in order.",
    )
    gold_snapshot = models.ForeignKey(
        "DatasetSnapshot", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The snapshot whose test split every candidate for production is evaluated on.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name

    def has_role(self, minimum):
        """For a project from `for_user`: does the user hold `minimum` or a higher role here?"""
        return Role.rank(getattr(self, "user_role", None)) >= Role.rank(minimum)

    @property
    def label_schema(self):
        """The project's main task (its document labels, span labels and guidelines), read once; AttributeError
        while it has none, so `getattr(project, "label_schema", None)` reads None. Named tasks: `named_tasks`."""
        cached = self.__dict__.get("_main_task")
        if cached is None:
            cached = self.schemas.filter(name="").first()
            if cached is None:
                raise AttributeError("The project has no label schema yet.")
            self.__dict__["_main_task"] = cached
        return cached

    def refresh_from_db(self, *args, **kwargs):
        self.__dict__.pop("_main_task", None)  # read again, as a one-to-one's cache would be
        super().refresh_from_db(*args, **kwargs)

    @property
    def named_tasks(self):
        """The project's other labeling tasks, in the order they were added (each its own labels, keys and
        guidelines)."""
        return self.schemas.exclude(name="").order_by("id")


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANNOTATOR)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} in {self.project} as {self.role}"


class LabelSchema(models.Model):
    """A labeling task of a project: its kind, guidelines and labels. Every project has a main task (no name; the
    only one of most projects, and the only one with span labels); named tasks label the same notes with labels of
    their own (a risk flag beside a diagnosis group), shown together on the annotate page."""

    class Kind(models.TextChoices):
        SINGLE = "single", "Single-label classification"
        MULTI = "multi", "Multi-label classification"

    class SpanUnit(models.TextChoices):
        WORD = "word", "Whole words"
        CHARACTER = "character", "Characters"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="schemas")
    name = models.CharField(max_length=80, blank=True, help_text="A named task's name; the main task has none.")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SINGLE)
    spans_overlap = models.BooleanField(
        default=False, help_text="Whether spans may overlap (nested entities: “left breast” in “left breast cancer”).")
    span_unit = models.CharField(max_length=9, choices=SpanUnit.choices, default=SpanUnit.WORD,
                                 help_text="What a selection snaps to on the annotate page.")
    guidelines = models.TextField(blank=True, help_text="Markdown; raw HTML is shown as text.")
    version = models.PositiveIntegerField(default=1, help_text="Counts its changes: a change that names an older "
                                                                  "version is refused (409).")
    gold_snapshot = models.ForeignKey(
        "DatasetSnapshot", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="A named task's: the snapshot of its labels whose test split its candidates for production are "
                  "evaluated on (the main task's is the project's).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="unique_task_name")]

    def __str__(self):
        return f"{self.project} {f'task “{self.name}”' if self.name else 'labels'} ({self.get_kind_display()})"


class LabelFields(models.Model):
    """What a document label and a span label share: a name, a description, a colour, a key and a place."""

    name = models.CharField(max_length=80)
    description = models.CharField(max_length=500, blank=True)
    color = models.CharField(
        max_length=7, default="#4c6ef5", validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #4c6ef5.")]
    )
    hotkey = models.CharField(
        max_length=1, blank=True, validators=[RegexValidator(r"^[0-9a-z]$", "Use one digit or lower-case letter.")]
    )
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, help_text="Counts its changes: a change that names an older "
                                                                  "version is refused (409).")

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class Label(LabelFields):
    """A label for a whole document."""

    schema = models.ForeignKey(LabelSchema, on_delete=models.CASCADE, related_name="labels")

    class Meta(LabelFields.Meta):
        constraints = [
            models.UniqueConstraint(fields=["schema", "name"], name="unique_label_name"),
            models.UniqueConstraint(
                fields=["schema", "hotkey"], condition=~models.Q(hotkey=""), name="unique_label_hotkey"
            ),
        ]


class SpanLabel(LabelFields):
    """A label for a stretch of a note's text (an entity: a problem, a drug, a name)."""

    schema = models.ForeignKey(LabelSchema, on_delete=models.CASCADE, related_name="span_labels")

    class Meta(LabelFields.Meta):
        constraints = [
            models.UniqueConstraint(fields=["schema", "name"], name="unique_span_label_name"),
            models.UniqueConstraint(
                fields=["schema", "hotkey"], condition=~models.Q(hotkey=""), name="unique_span_label_hotkey"
            ),
        ]

