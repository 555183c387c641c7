"""The API's OpenAPI schema: every operation is tagged by the resource it acts on, read from its path in one place,
so that the docs group corpora, documents, labels, models… instead of putting everything under "projects"."""

from drf_spectacular.openapi import AutoSchema

# (tag, what it holds), in the order the docs show them.
TAGS = [
    ("projects", "Projects, their settings and dashboard."),
    ("members", "Who works on a project, with which role; annotator pools."),
    ("corpora", "Uploads, imports and corpora of notes."),
    ("documents", "Notes in a corpus."),
    ("annotations", "Labeling: the next note, submitting, skipping and undoing."),
    ("review", "Disagreements, adjudication, rejected annotations and agreement."),
    ("labels", "The label schema, labels and label exports."),
    ("snapshots", "Frozen, split datasets for training and evaluation."),
    ("cleaning", "Cleaning recipes and runs: de-identification, near-duplicates."),
    ("training", "Pretraining, fine-tuning and the retraining policy."),
    ("evaluations", "Evaluation reports and comparisons."),
    ("models", "The registry: registered models, versions, promotion and rollback."),
    ("predictions", "Predictions from a model: the predict endpoint and stored predictions."),
    ("jobs", "Long-running jobs: progress, logs, metrics, cancel and retry."),
    ("users", "Studio accounts (admins)."),
    ("system", "System status, queue checks and the audit trail (admins)."),
]

# The first path segment after /api/ or /api/projects/{id}/ → its tag.
SEGMENT_TAGS = {
    "members": "members", "pools": "members", "uploads": "corpora", "corpora": "corpora", "documents": "documents",
    "tasks": "annotations", "annotations": "review", "review": "review", "agreement": "review",
    "schema": "labels", "labels": "labels", "span-labels": "labels", "export": "labels", "snapshots": "snapshots",
    "cleaning": "cleaning",
    "pretraining": "training", "finetuning": "training", "retrain-policy": "training", "evaluations": "evaluations",
    "models": "models", "model-versions": "models", "ensembles": "models", "predict": "predictions", "predictions": "predictions",
    "jobs": "jobs", "job-kinds": "jobs", "users": "users", "status": "system", "audit-events": "system",
    "dashboard": "projects",
}
# A document's own actions belong to the resource they change.
ACTION_TAGS = {"annotation": "annotations", "skip": "annotations", "review": "review", "predictions": "predictions"}


def resource_tag(path):
    """'/api/projects/{project_pk}/documents/{id}/skip/' → 'annotations'."""
    parts = [part for part in path.strip("/").split("/") if part != "api"]
    if parts[:1] == ["projects"]:
        parts = parts[2:] if len(parts) > 2 else ["projects"]
    names = [part for part in parts if not part.startswith("{")]
    if len(names) > 1 and names[-1] in ACTION_TAGS and names[0] == "documents":
        return ACTION_TAGS[names[-1]]
    if names[:1] == ["corpora"] and "documents" in names:
        return "documents"
    return SEGMENT_TAGS.get(names[0], names[0]) if names else "projects"


class StudioAutoSchema(AutoSchema):
    def get_tags(self):
        return [resource_tag(self.path)]


def describe_tags(result, generator, request, public):
    """A postprocessing hook: the tags with what each holds, in TAGS's order."""
    result["tags"] = [{"name": name, "description": description} for name, description in TAGS]
    return result
