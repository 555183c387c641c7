"""The task queue: which document an annotator labels next, and what submitting, skipping and
undoing do to it.

Invariants, kept under row locks: a document is held (reserved or labeled) by at most the
project's `overlap` annotators, and an annotator never gets the same document twice. A
document's `claims` counts its holders and `full` says it has reached the overlap, so choosing
the next document reads a partial index of the documents still open, never the whole corpus.

Documents a manager put in an annotator pool go only to the pool's annotators, and to them
first. The project's task order picks among open documents: in order, from a random point of
the corpus's id range, or by the highest uncertainty of a model's prediction (walking that
index) and then in order.
"""

import random
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from studio.errors import Refusal

from ..models import (
    Annotation,
    AnnotatorPool,
    Assignment,
    Document,
    Label,
    LabelSchema,
    Prediction,
    Project,
    SpanLabel,
)
from .corpora import queued
from .schema import is_multi, lock_schema
from .spans import check_spans, store_spans

LOCKED_RETRIES = 5  # when every open document is locked by others' hand-outs, look again this often


class TaskError(Refusal):
    """The request cannot be carried out as asked; the message says why."""


class StaleAnnotation(TaskError):
    """The annotation changed since the version the client sent."""

    status = 409


def _claim(document_ids, change, overlap):
    # One statement: both assignments read the old claims.
    Document.objects.filter(id__in=document_ids).update(
        claims=F("claims") + change,
        full=ExpressionWrapper(Q(claims__gte=overlap - change), output_field=BooleanField()),
    )


def release_expired(project):
    """Give back the documents whose reservation ran out; their annotators may get them again."""
    with transaction.atomic():
        expired = list(
            Assignment.objects.select_for_update(**_skip_locked())
            .filter(project=project, state=Assignment.State.RESERVED, reserved_until__lt=timezone.now())
            .values_list("id", "document_id", "annotator_id")
        )
        if expired:
            kept = _still_submitted(expired)
            Assignment.objects.filter(id__in=kept).update(state=Assignment.State.SUBMITTED)
            released = [(pk, document_id) for pk, document_id, _ in expired if pk not in kept]
            Assignment.objects.filter(id__in=[pk for pk, _ in released]).delete()
            _claim([document_id for _, document_id in released], -1, project.overlap)
    return len(expired)


def _still_submitted(assignments):
    """Of (id, document id, annotator id) reservations, those of an undone submission whose annotation is still
    there: letting them go keeps the labels as submitted instead of handing the note out again."""
    annotated = set(Annotation.objects.filter(document_id__in=[document for _, document, _ in assignments])
                    .values_list("document_id", "annotator_id"))
    return {pk for pk, document, annotator in assignments if (document, annotator) in annotated}


_last_sweep = {}  # project id → when this process last released the project's expired reservations


def _sweep_due(project):
    """Expired reservations are released at most every STUDIO_RESERVATION_SWEEP_SECONDS per process:
    minutes-long reservations lose nothing by it, and the next-document call saves a transaction."""
    now = time.monotonic()
    if now - _last_sweep.get(project.pk, float("-inf")) < settings.STUDIO_RESERVATION_SWEEP_SECONDS:
        return False
    _last_sweep[project.pk] = now
    return True


def _skip_locked():
    # PostgreSQL lets concurrent annotators pass over each other's locked rows; SQLite has one writer.
    return {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}


def _open_corpora(project):
    return list(queued(project).values_list("id", "id_floor", "id_ceiling"))


def current(user, project):
    """The user's reservation that is still running, if any."""
    return (Assignment.objects.select_related("document")
            .filter(project=project, annotator=user, state=Assignment.State.RESERVED,
                    reserved_until__gte=timezone.now())
            .order_by("-updated_at").first())


def next_assignment(user, project):
    """The user's running reservation, or a new one on the first open document they have not had;
    None when there is nothing left for them."""
    if _sweep_due(project):
        release_expired(project)
    held = current(user, project)
    if held is not None:
        return held
    corpora = _open_corpora(project)
    if not corpora:
        return None
    pools = list(AnnotatorPool.objects.filter(project=project, annotators=user).values_list("id", flat=True))
    for attempt in range(LOCKED_RETRIES):
        with transaction.atomic():
            document = _choose(user, project, corpora, pools)
            if document is not None:
                assignment = Assignment.objects.create(
                    document=document, annotator=user, project=project,
                    reserved_until=timezone.now() + timedelta(minutes=project.reservation_minutes),
                )
                _claim([document.pk], +1, project.overlap)
                assignment.handed_out_now = True  # a document they never had: no annotation of theirs to look up
                return assignment
        # Nothing unlocked: either nothing is left, or the rest is being handed to others this
        # very moment (and may still have room when they are done).
        if not _open_documents(user, corpora, pools, lock=False).exists():
            return None
        time.sleep(0.01 * (attempt + 1))
    return None


def _open_documents(user, corpora, pools, lock=True):
    mine = Assignment.objects.filter(document=OuterRef("pk"), annotator=user)
    documents = Document.objects.all()
    if lock:
        # Lock the document only: locking its corpus too would make concurrent annotators skip it all.
        documents = documents.select_for_update(of=("self",), **_skip_locked()).select_related("corpus")
    allowed = Q(pool__isnull=True) | Q(pool_id__in=pools) if pools else Q(pool__isnull=True)
    return (documents.filter(allowed, corpus_id__in=[corpus for corpus, _floor, _ceiling in corpora], full=False)
            .exclude(Exists(mine)))


def _choose(user, project, corpora, pools):
    """The open document to hand out next, locked; the user's pools before documents in no pool."""
    open_documents = _open_documents(user, corpora, pools)
    for where in ([Q(pool_id__in=pools)] if pools else []) + [Q(pool__isnull=True)]:
        candidates = open_documents.filter(where)
        document = None
        if project.task_order == Project.TaskOrder.UNCERTAINTY:
            document = (candidates.filter(predictions__project=project, predictions__uncertainty__isnull=False)
                        .order_by(F("predictions__uncertainty").desc(), "id").first())
        elif project.task_order == Project.TaskOrder.RANDOM:
            ranges = [(floor, ceiling) for _corpus, floor, ceiling in corpora if floor is not None]
            if ranges:
                start = random.randint(min(floor for floor, _ in ranges), max(ceiling for _, ceiling in ranges))
                document = candidates.filter(id__gte=start).order_by("corpus_id", "id").first()
        if document is None:
            document = candidates.order_by("corpus_id", "id").first()
        if document is not None:
            return document
    return None


def check_labels(project, label_ids):
    """The main task's labels with these ids, fitting its schema; TaskError otherwise. In a multi-label project an
    empty list is an answer, "no label applies" (kept, counted and trained on like any label set); None is no
    answer at all (a form sent with nothing chosen). A project that labels spans only takes no document labels:
    its spans (none, too) are the answer."""
    main = Label.objects.filter(schema__project=project, schema__name="")
    if label_ids is not None and not label_ids and LabelSchema.objects.filter(
            project=project, name="", kind=LabelSchema.Kind.MULTI, labels__isnull=False).exists():
        return []
    if not label_ids and SpanLabel.objects.filter(schema__project=project).exists() and not main.exists():
        return []
    label_ids = list(dict.fromkeys(label_ids or []))
    labels = list(main.select_related("schema").filter(pk__in=label_ids))
    if len(labels) != len(label_ids) or not labels:
        if not main.exists():
            raise TaskError("The project has no labels yet; a manager adds them first.")
        raise TaskError("Some of these labels are not the project's." if label_ids else
                        "Choose a label first, or “No label applies”." if is_multi(project) else
                        "Choose a label first.")
    if len(labels) > 1 and labels[0].schema.kind == labels[0].schema.Kind.SINGLE:
        raise TaskError("Choose one label: the project's labels are single-label.")
    return labels


def check_task_labels(project, label_ids):
    """The named tasks' labels with these ids: one for each single-label task that has labels, any number (none
    too) for a multi-label one; TaskError otherwise."""
    named = {task.pk: task for task in project.named_tasks.filter(labels__isnull=False).distinct()}
    label_ids = list(dict.fromkeys(label_ids or []))
    labels = list(Label.objects.filter(schema_id__in=named, pk__in=label_ids))
    if len(labels) != len(label_ids):
        raise TaskError("Some of these task labels are not labels of the project's named tasks.")
    for task in named.values():
        chosen = sum(1 for label in labels if label.schema_id == task.pk)
        if task.kind == LabelSchema.Kind.SINGLE and chosen != 1:
            raise TaskError(f"{task.name}: choose one label" + (" (its labels are single-label)." if chosen else "."))
    return labels


def posted_task_labels(data):
    """The named tasks' label ids an annotate form posted, a group a task (None where the page showed no named
    task)."""
    if "tasks" not in data:
        return None
    try:
        return [int(value) for key in data if key.startswith("task-") for value in data.getlist(key)]
    except ValueError:
        raise TaskError("Some of these task labels are not labels of the project's named tasks.") from None


def posted_labels(data):
    """The label ids a form of the annotate or review page posted: its chosen labels, [] for its “No label
    applies” box, None when nothing was chosen; TaskError for both at once."""
    try:
        label_ids = [int(value) for value in data.getlist("labels")]
    except ValueError:
        label_ids = []
    if data.get("none"):
        if label_ids:
            raise TaskError("Choose labels or “No label applies”, not both.")
        return []
    return label_ids or None


def submit(user, project, document, label_ids, comment="", version=None, spans=None, task_label_ids=None):
    """Record the user's labels, and with `spans` ([{start, end, label}]) their spans, for a document (None: the
    spans stay as they were), and with `task_label_ids` their labels of the named tasks (None: as they were; a new
    annotation answers every named task). A new annotation needs the document handed to the user, or room under the
    overlap; changing one needs the version the client last saw."""
    with transaction.atomic():
        lock_schema(project.pk, exclusive=False)
        labels = check_labels(project, label_ids)
        task_labels = None if task_label_ids is None else check_task_labels(project, task_label_ids)
        checked = None if spans is None else check_spans(
            LabelSchema.objects.get(project=project, name=""), document.text, spans)
        assignment = Assignment.objects.select_for_update().filter(document=document, annotator=user).first()
        annotation = Annotation.objects.select_for_update().filter(document=document, annotator=user).first()
        if annotation is not None:
            if version != annotation.version:
                raise StaleAnnotation(
                    f"Your labels for this note changed elsewhere (now version {annotation.version}, you sent "
                    f"{version if version is not None else 'none'}); reload the note to see them, then submit again."
                )
            if task_labels is None:  # the named tasks' labels stay as they were
                task_labels = list(Label.objects.filter(annotations=annotation).exclude(schema__name=""))
            annotation.version += 1
            annotation.comment = comment
            annotation.save(update_fields=["version", "comment", "updated_at"])
        else:
            if version is not None:
                raise StaleAnnotation("Your labels for this note were removed elsewhere; reload the note "
                                      "to label it again.")
            if assignment is None or assignment.state == Assignment.State.SKIPPED:
                # Locked: two late submissions must not both take the last place.
                full, pool_id = Document.objects.select_for_update().values_list("full", "pool_id").get(pk=document.pk)
                if pool_id is not None and not AnnotatorPool.annotators.through.objects.filter(
                        annotatorpool_id=pool_id, user=user).exists():
                    raise TaskError("This note is set aside for an annotator pool you are not in; take the next one.")
                if full:
                    raise TaskError("Enough annotators have this note already (your reservation ran out); "
                                    "take the next one.")
                assignment, _created = Assignment.objects.update_or_create(
                    document=document, annotator=user,
                    defaults={"project": project, "state": Assignment.State.SUBMITTED, "reserved_until": timezone.now()},
                )
                _claim([document.pk], +1, project.overlap)
            if task_labels is None:
                task_labels = check_task_labels(project, [])
            annotation = Annotation.objects.create(document=document, annotator=user, comment=comment)
        if assignment.state != Assignment.State.SUBMITTED:
            assignment.state = Assignment.State.SUBMITTED
            assignment.save(update_fields=["state", "updated_at"])
        if annotation.version == 1:
            annotation.labels.add(*labels, *task_labels)
        else:
            annotation.labels.set([*labels, *task_labels])
        if checked is not None or annotation.version == 1:  # a new annotation without spans has none
            store_spans(annotation, checked or [], replace=annotation.version > 1)
    _known_labels(annotation, [*labels, *task_labels])
    return annotation


def _known_labels(annotation, labels):
    """Give the annotation its labels as prefetched, so the answer that shows them reads none again."""
    known = annotation.labels.all()
    known._result_cache, known._prefetch_done = list(labels), True
    annotation._prefetched_objects_cache = {**getattr(annotation, "_prefetched_objects_cache", {}),
                                            Annotation.labels.field.name: known}


def skip(user, project, document):
    """Pass a reserved document on to others; the user will not get it again."""
    with transaction.atomic():
        assignment = (Assignment.objects.select_for_update()
                      .filter(document=document, annotator=user, state=Assignment.State.RESERVED).first())
        if assignment is None:
            raise TaskError("This note is not reserved for you, so there is nothing to skip.")
        if _still_submitted([(assignment.pk, document.pk, user.pk)]):
            assignment.state = Assignment.State.SUBMITTED  # an undone submission, skipped: kept as submitted
        else:
            assignment.state = Assignment.State.SKIPPED
            _claim([document.pk], -1, project.overlap)
        assignment.save(update_fields=["state", "updated_at"])
    return assignment


def undo(user, project):
    """Take back the user's last submission: the note is theirs again, with their labels as submitted,
    ready to change (submitting again replaces them; the annotation's version guards the change)."""
    with transaction.atomic():
        assignment = (Assignment.objects.select_for_update().select_related("document")
                      .filter(project=project, annotator=user, state=Assignment.State.SUBMITTED)
                      .order_by("-updated_at", "-id").first())
        if assignment is None:
            raise TaskError("There is no submission of yours to undo.")
        assignment.state = Assignment.State.RESERVED
        assignment.reserved_until = timezone.now() + timedelta(minutes=project.reservation_minutes)
        assignment.save(update_fields=["state", "reserved_until", "updated_at"])
    return assignment


def _total(queryset, function, field):
    """A subquery of one value: `function` (COUNT, SUM) of `field` over every row of `queryset`, 0 for none."""
    total = Func(F(field), function=function)  # not an aggregate to the ORM: no GROUP BY, one row
    return Coalesce(Subquery(queryset.order_by().annotate(total=total).values("total")), 0)


def progress(user, project):
    """What the annotate page's counter shows: the user's labeled notes, and the project's notes (one query)."""
    labeled = Assignment.objects.filter(project=project, annotator=user, state=Assignment.State.SUBMITTED)
    counts = Project.objects.filter(pk=project.pk).values(
        labeled_by_you=_total(labeled, "COUNT", "pk"), documents=_total(queued(project), "SUM", "document_count"),
    ).get()
    return {**counts, "overlap": project.overlap}


def task_state(user, project, assignment):
    """What the annotate page and the API show with a task: the user's labels for its document
    (when redoing one), the project's labels and the progress counter."""
    annotation = prediction = None
    if assignment is not None:
        if not getattr(assignment, "handed_out_now", False):
            annotation = Annotation.objects.filter(document=assignment.document, annotator=user).first()
        prediction = latest_prediction(assignment.document)
    return {"annotation": annotation, "prediction": prediction, "labels": label_choices(project),
            "progress": progress(user, project)}


def latest_prediction(document):
    """The newest model prediction for the document, which the annotator sees pre-selected."""
    return Prediction.objects.filter(document=document).prefetch_related("labels").first()


def label_choices(project):
    """The project's labels as the annotate and review pages list them: by key (digits, then letters), then the
    labels without a key in the schema's order."""
    labels = Label.objects.filter(schema__project=project, schema__name="").order_by("position", "id")
    return sorted(labels, key=lambda label: (not label.hotkey, label.hotkey or ""))


def task_choices(project):
    """The named tasks the annotate page shows under the main labels: [(task, its labels in order)], tasks without
    labels left out."""
    tasks = {task.pk: (task, []) for task in project.named_tasks}
    for task, _labels in tasks.values():
        task.input_name = f"task-{task.pk}"  # a group of its own (radios of one name exclude each other)
    for label in Label.objects.filter(schema_id__in=tasks).order_by("position", "id"):
        tasks[label.schema_id][1].append(label)
    return [(task, labels) for task, labels in tasks.values() if labels]
