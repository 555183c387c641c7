"""The document browser's filters and keyset pages, shared by the corpus page and the API."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from studio.errors import Refusal

from ..models import Annotation, Document, Role
from . import search

IMPORTED = "imported"  # the annotator filter's value for labels that came with the file


class FilterError(Refusal):
    pass


def whole_number(params, name):
    value = params.get(name) or ""
    if value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise FilterError(f"{name} must be a whole number.") from None
    if number < 0:
        raise FilterError(f"{name} must be 0 or more.")
    return number


def _yes_no(params, name):
    value = (params.get(name) or "").lower()
    if value in ("", "any"):
        return None
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    raise FilterError(f"{name} must be yes or no.")


@dataclass(frozen=True)
class DocumentFilter:
    query: str = ""
    split: str | None = None
    label: int | None = None  # a label id
    labeled: bool | None = None
    annotator: str = ""  # a user id, or IMPORTED
    duplicates: bool | None = None

    # Filters on labels show what annotators said: reviewers and managers only, never annotators.
    LABEL_FILTERS = ("label", "labeled", "annotator")

    @classmethod
    def from_params(cls, params, role_allows_labels):
        split = params.get("split")
        if split is not None and split not in Document.Split.values:
            raise FilterError(f"split must be one of: {', '.join(repr(value) for value in Document.Split.values)}.")
        annotator = (params.get("annotator") or "").strip()
        if annotator and annotator != IMPORTED and not annotator.isdigit():
            raise FilterError(f"annotator must be a user id or {IMPORTED!r}.")
        found = cls(
            query=(params.get("q") or "").strip()[:200], split=split, label=whole_number(params, "label"),
            labeled=_yes_no(params, "labeled"), annotator=annotator, duplicates=_yes_no(params, "duplicates"),
        )
        if not role_allows_labels and any(getattr(found, name) not in (None, "") for name in cls.LABEL_FILTERS):
            raise FilterError("Filtering by labels or annotators needs the reviewer role in the project.")
        return found

    def as_params(self):
        """The filter as query parameters (for links to the next page)."""
        values = {"q": self.query, "split": self.split, "label": self.label, "annotator": self.annotator,
                  "labeled": {True: "yes", False: "no"}.get(self.labeled),
                  "duplicates": {True: "yes", False: "no"}.get(self.duplicates)}
        return {name: value for name, value in values.items() if value not in (None, "")}

    def apply(self, documents):
        """`documents` narrowed by every filter but the words, which `page` searches for."""
        if self.split is not None:
            documents = documents.filter(split=self.split)
        if self.duplicates is not None:
            documents = documents.filter(duplicate_of__isnull=not self.duplicates)
        annotations = Annotation.objects.filter(document=OuterRef("pk"))
        if self.labeled is not None:
            documents = documents.filter(Exists(annotations) if self.labeled else ~Exists(annotations))
        if self.label is not None:
            documents = documents.filter(Exists(annotations.filter(labels=self.label)))
        if self.annotator == IMPORTED:
            documents = documents.filter(Exists(annotations.filter(source=Annotation.Source.IMPORTED)))
        elif self.annotator:
            documents = documents.filter(Exists(annotations.filter(annotator_id=int(self.annotator))))
        return documents


def may_filter_labels(user, project):
    return user.is_superuser or project.has_role(Role.REVIEWER)


def page(corpus, document_filter, after=0, limit=50):
    """Up to `limit` documents after the id `after`, in id order, and the id to pass for the next page."""
    documents = corpus.documents.filter(id__gt=after)
    if corpus.id_floor is not None:
        documents = documents.filter(id__gte=corpus.id_floor, id__lte=corpus.id_ceiling)
    documents = document_filter.apply(documents)
    if document_filter.query:
        found = search.first_matches(documents, document_filter.query, limit + 1)
    else:
        found = list(documents.order_by("id")[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return found, (found[-1].pk if more else None)
