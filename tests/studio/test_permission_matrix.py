"""Every view and API endpoint, for every kind of user: exactly the right status code.

Actors: M manager, R reviewer, A annotator (members of `project`), O outsider (a user
in no project), S studio admin (staff, member of no project: they reach every project's Models
tab and registry, nothing else of it), N anonymous.
"""

import json

import pytest
from django.urls import reverse

from labeling.models import AnnotatorPool, Corpus, DatasetSnapshot, Document, LabelSchema, Membership, Role
from labeling.services import uploads
from studio.models import Job, QueueCheck
from tests.support.factories import MembershipFactory, UserFactory
from training.models import CleaningRecipe, CleaningRun, EvaluationReport, ModelVersion, RegisteredModel

ACTORS = ["M", "R", "A", "O", "S", "N"]


def codes(spec):
    """'M200 R403 ...' -> {'M': 200, 'R': 403, ...}; every actor must be named."""
    result = {item[0]: int(item[1:]) for item in spec.split()}
    assert sorted(result) == sorted(ACTORS), spec
    return result


# (name, method, url name, kwargs builder, data, expected)
HTML = [
    ("project list", "get", "project-list", lambda w: {}, None, "M200 R200 A200 O200 S200 N302"),
    ("new project form", "get", "project-create", lambda w: {}, None, "M200 R403 A403 O403 S403 N302"),
    ("create project", "post", "project-create", lambda w: {}, {"name": "New ward"}, "M302 R403 A403 O403 S403 N302"),
    ("project overview", "get", "project-detail", lambda w: {"pk": w.project.pk}, None, "M200 R200 A200 O404 S404 N302"),
    ("other project overview", "get", "project-detail", lambda w: {"pk": w.other.pk}, None, "M404 R404 A404 O404 S404 N302"),
    ("unknown project", "get", "project-detail", lambda w: {"pk": 999999}, None, "M404 R404 A404 O404 S404 N302"),
    ("edit form", "get", "project-edit", lambda w: {"pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N302"),
    ("edit project", "post", "project-edit", lambda w: {"pk": w.project.pk}, {"name": "Renamed", "overlap": "1", "reservation_minutes": "30", "task_order": "sequential"}, "M302 R403 A403 O404 S404 N302"),
    ("edit other project", "post", "project-edit", lambda w: {"pk": w.other.pk}, {"name": "x"}, "M404 R404 A404 O404 S404 N302"),
    ("members", "get", "member-list", lambda w: {"pk": w.project.pk}, None, "M200 R200 A200 O404 S404 N302"),
    ("add member", "post", "member-list", lambda w: {"pk": w.project.pk}, {"user": "newcomer", "role": "annotator"}, "M302 R403 A403 O404 S404 N302"),
    ("change role", "post", "member-role", lambda w: {"pk": w.project.pk, "member_pk": w.annotator_membership.pk}, {"role": "reviewer"}, "M200 R403 A403 O404 S404 N302"),
    ("change role, other project's member", "post", "member-role", lambda w: {"pk": w.project.pk, "member_pk": w.other_membership.pk}, {"role": "reviewer"}, "M404 R403 A403 O404 S404 N302"),
    ("remove member", "post", "member-remove", lambda w: {"pk": w.project.pk, "member_pk": w.annotator_membership.pk}, {}, "M302 R403 A403 O404 S404 N302"),
    ("remove other project's member", "post", "member-remove", lambda w: {"pk": w.project.pk, "member_pk": w.other_membership.pk}, {}, "M404 R403 A403 O404 S404 N302"),
    ("system status", "get", "system-status", lambda w: {}, None, "M403 R403 A403 O403 S200 N302"),
    ("queue check", "post", "queue-check-create", lambda w: {}, {"queue": "cpu"}, "M403 R403 A403 O403 S200 N302"),
    ("queue check detail", "get", "queue-check-detail", lambda w: {"pk": w.check.pk}, None, "M403 R403 A403 O403 S286 N302"),
    ("audit log", "get", "audit-log", lambda w: {}, None, "M403 R403 A403 O403 S200 N302"),
    ("users", "get", "user-list", lambda w: {}, None, "M403 R403 A403 O403 S200 N302"),
    ("create user", "post", "user-list", lambda w: {}, {"username": "newbie"}, "M403 R403 A403 O403 S302 N302"),
    ("user page", "get", "user-detail", lambda w: {"pk": w.users["O"].pk}, None, "M403 R403 A403 O403 S200 N302"),
    ("unknown user page", "get", "user-detail", lambda w: {"pk": 999999}, None, "M403 R403 A403 O403 S404 N302"),
    ("reset a password", "post", "user-password-link", lambda w: {"pk": w.users["O"].pk}, {}, "M403 R403 A403 O403 S302 N302"),
    ("deactivate a user", "post", "user-active", lambda w: {"pk": w.users["O"].pk}, {"active": "0"}, "M403 R403 A403 O403 S302 N302"),
    ("let a user create projects", "post", "user-create-projects", lambda w: {"pk": w.users["O"].pk}, {"allowed": "1"}, "M403 R403 A403 O403 S302 N302"),
    ("set-password link, not valid", "get", "set-password", lambda w: {"uidb64": "MQ", "token": "not-a-token"}, None, "M200 R200 A200 O200 S200 N200"),
    ("django admin login", "get", "admin-login", lambda w: {}, None, "M302 R302 A302 O302 S302 N302"),
    ("django admin login, posted", "post", "admin-login", lambda w: {}, {"username": "x", "password": "y"}, "M302 R302 A302 O302 S302 N302"),
    ("project jobs", "get", "project-jobs", lambda w: {"pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N302"),
    ("start job", "post", "project-jobs", lambda w: {"pk": w.project.pk}, {"selftest-steps": "3", "selftest-queue": "cpu", "selftest-step_seconds": "0", "selftest-checkpoint_every": "1", "selftest-seed": "1", "selftest-fail_at_step": "-1", "selftest-crash_at_step": "-1"}, "M302 R403 A403 O404 S404 N302"),
    ("other project's jobs", "get", "project-jobs", lambda w: {"pk": w.other.pk}, None, "M404 R404 A404 O404 S404 N302"),
    ("all jobs", "get", "job-list", lambda w: {}, None, "M403 R403 A403 O403 S200 N302"),
    ("job", "get", "job-detail", lambda w: {"pk": w.job.pk}, None, "M200 R404 A404 O404 S200 N302"),
    ("other project's job", "get", "job-detail", lambda w: {"pk": w.other_job.pk}, None, "M404 R404 A404 O404 S200 N302"),
    ("cancel job", "post", "job-cancel", lambda w: {"pk": w.job.pk}, {}, "M302 R404 A404 O404 S302 N302"),
    ("cancel other project's job", "post", "job-cancel", lambda w: {"pk": w.other_job.pk}, {}, "M404 R404 A404 O404 S302 N302"),
    ("retry job", "post", "job-retry", lambda w: {"pk": w.failed_job.pk}, {}, "M302 R404 A404 O404 S302 N302"),
    ("upload form", "get", "corpus-upload", lambda w: {"pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N302"),
    ("upload without a file", "post", "corpus-upload", lambda w: {"pk": w.project.pk}, {}, "M400 R403 A403 O404 S404 N302"),
    ("column mapping", "get", "upload-map", lambda w: {"pk": w.project.pk, "upload_pk": w.upload.pk}, None, "M200 R403 A403 O404 S404 N302"),
    ("other project's upload mapping", "get", "upload-map", lambda w: {"pk": w.project.pk, "upload_pk": w.other_upload.pk}, None, "M404 R403 A403 O404 S404 N302"),
    ("start import", "post", "upload-map", lambda w: {"pk": w.project.pk, "upload_pk": w.upload.pk}, {"format": "csv", "name": "N", "text_field": "text", "id_field": "id", "max_errors": "5"}, "M302 R403 A403 O404 S404 N302"),
    ("import a server file", "post", "corpus-server-file", lambda w: {"pk": w.project.pk}, {"path": "notes.csv"}, "M403 R403 A403 O404 S404 N302"),
    ("corpus page", "get", "corpus-detail", lambda w: {"pk": w.project.pk, "corpus_pk": w.corpus.pk}, None, "M200 R200 A200 O404 S404 N302"),
    ("other project's corpus page", "get", "corpus-detail", lambda w: {"pk": w.project.pk, "corpus_pk": w.other_corpus.pk}, None, "M404 R404 A404 O404 S404 N302"),
    ("document page", "get", "document-detail", lambda w: {"pk": w.project.pk, "document_pk": w.document.pk}, None, "M200 R200 A200 O404 S404 N302"),
    ("other project's document page", "get", "document-detail", lambda w: {"pk": w.project.pk, "document_pk": w.other_document.pk}, None, "M404 R404 A404 O404 S404 N302"),
    ("labels page", "get", "label-list", lambda w: {"pk": w.project.pk}, None, "M200 R200 A200 O404 S404 N302"),
    ("add label", "post", "label-add", lambda w: {"pk": w.project.pk}, {"new-name": "X", "new-color": "#000000"}, "M302 R403 A403 O404 S404 N302"),
    ("add task", "post", "task-add", lambda w: {"pk": w.project.pk}, {"task-name": "Smoker", "task-kind": "single"}, "M302 R403 A403 O404 S404 N302"),
    ("delete task", "post", "task-delete", lambda w: {"pk": w.project.pk, "task_pk": w.task.pk}, {}, "M302 R403 A403 O404 S404 N302"),
    ("set a task's gold", "post", "task-gold", lambda w: {"pk": w.project.pk, "task_pk": w.task.pk}, {"gold_snapshot": ""}, "M302 R403 A403 O404 S404 N302"),
    ("set another project's task's gold", "post", "task-gold", lambda w: {"pk": w.project.pk, "task_pk": w.other_task.pk}, {"gold_snapshot": ""}, "M404 R403 A403 O404 S404 N302"),
    ("delete another project's task", "post", "task-delete", lambda w: {"pk": w.project.pk, "task_pk": w.other_task.pk}, {}, "M404 R403 A403 O404 S404 N302"),
    ("save every label", "post", "labels-save", lambda w: {"pk": w.project.pk}, {}, "M302 R403 A403 O404 S404 N302"),
    ("combine classifiers, none chosen", "post", "ensemble-create", lambda w: {"pk": w.project.pk}, {}, "M302 R403 A403 O404 S404 N302"),
    ("save every span label", "post", "span-labels-save", lambda w: {"pk": w.project.pk}, {}, "M302 R403 A403 O404 S404 N302"),
    ("delete a span label, none", "post", "span-label-delete", lambda w: {"pk": w.project.pk, "label_pk": 0}, {}, "M404 R403 A403 O404 S404 N302"),
    ("corpus role", "post", "corpus-role", lambda w: {"pk": w.project.pk, "corpus_pk": w.corpus.pk}, {"role": "aside"}, "M302 R403 A403 O404 S404 N302"),
    ("save guidelines", "post", "schema-update", lambda w: {"pk": w.project.pk}, {"kind": "single", "guidelines": ""}, "M302 R403 A403 O404 S404 N302"),
    ("dashboard", "get", "dashboard", lambda w: {"pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N302"),
    ("review", "get", "review-list", lambda w: {"pk": w.project.pk}, None, "M200 R200 A403 O404 S404 N302"),
    ("review a note", "get", "review-document", lambda w: {"pk": w.project.pk, "document_pk": w.document.pk}, None, "M200 R200 A403 O404 S404 N302"),
    ("review another project's note", "get", "review-document", lambda w: {"pk": w.project.pk, "document_pk": w.other_document.pk}, None, "M404 R404 A403 O404 S404 N302"),
    ("agreement", "get", "agreement", lambda w: {"pk": w.project.pk}, None, "M200 R200 A403 O404 S404 N302"),
    ("annotate", "get", "annotate", lambda w: {"pk": w.project.pk}, None, "M200 R200 A200 O404 S404 N302"),
    ("datasets", "get", "dataset-list", lambda w: {"pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N302"),
    ("make snapshot, no labels", "post", "dataset-list", lambda w: {"pk": w.project.pk}, {"name": "S", "train_ratio": "1", "validation_ratio": "0", "test_ratio": "0", "seed": "1"}, "M400 R403 A403 O404 S404 N302"),
    ("snapshot", "get", "snapshot-detail", lambda w: {"pk": w.project.pk, "snapshot_pk": w.snapshot.pk}, None, "M200 R403 A403 O404 S404 N302"),
    ("another project's snapshot", "get", "snapshot-detail", lambda w: {"pk": w.project.pk, "snapshot_pk": w.other_snapshot.pk}, None, "M404 R403 A403 O404 S404 N302"),
    ("download a snapshot still building", "get", "snapshot-download", lambda w: {"pk": w.project.pk, "snapshot_pk": w.snapshot.pk}, None, "M404 R403 A403 O404 S404 N302"),
    ("spaCy files of a snapshot still building", "get", "snapshot-spacy", lambda w: {"pk": w.project.pk, "snapshot_pk": w.snapshot.pk}, None, "M404 R403 A403 O404 S404 N302"),
    ("export, no format", "get", "label-export", lambda w: {"pk": w.project.pk}, None, "M302 R403 A403 O404 S404 N302"),
    ("clean form", "get", "corpus-clean", lambda w: {"pk": w.project.pk, "corpus_pk": w.corpus.pk}, None, "M200 R403 A403 O404 S404 N302"),
    ("clean another project's corpus", "get", "corpus-clean", lambda w: {"pk": w.project.pk, "corpus_pk": w.other_corpus.pk}, None, "M404 R403 A403 O404 S404 N302"),
    ("clean, bad recipe", "post", "corpus-clean", lambda w: {"pk": w.project.pk, "corpus_pk": w.corpus.pk}, {"near_threshold": "9"}, "M400 R403 A403 O404 S404 N302"),
    ("propose PHI spans", "post", "corpus-phi-spans", lambda w: {"pk": w.project.pk, "corpus_pk": w.corpus.pk}, {}, "M302 R403 A403 O404 S404 N302"),
    ("propose PHI spans, another project's corpus", "post", "corpus-phi-spans", lambda w: {"pk": w.project.pk, "corpus_pk": w.other_corpus.pk}, {}, "M404 R403 A403 O404 S404 N302"),
    ("delete recipe", "post", "cleaning-recipe-delete", lambda w: {"pk": w.project.pk, "recipe_pk": w.recipe.pk}, {}, "M302 R403 A403 O404 S404 N302"),
    ("delete another project's recipe", "post", "cleaning-recipe-delete", lambda w: {"pk": w.project.pk, "recipe_pk": w.other_recipe.pk}, {}, "M404 R403 A403 O404 S404 N302"),
    ("cleaning report", "get", "cleaning-run", lambda w: {"pk": w.project.pk, "run_pk": w.run.pk}, None, "M200 R403 A403 O404 S404 N302"),
    ("another project's cleaning report", "get", "cleaning-run", lambda w: {"pk": w.project.pk, "run_pk": w.other_run.pk}, None, "M404 R403 A403 O404 S404 N302"),
    ("near-duplicate cluster, none", "get", "cleaning-cluster", lambda w: {"pk": w.project.pk, "run_pk": w.run.pk, "source_pk": 1}, None, "M404 R403 A403 O404 S404 N302"),
    ("models", "get", "model-list", lambda w: {"pk": w.project.pk}, None, "M200 R403 A403 O404 S200 N302"),
    ("pretrain form", "get", "pretrain", lambda w: {"pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N302"),
    ("pretrain, bad", "post", "pretrain", lambda w: {"pk": w.project.pk}, {"preset": "huge"}, "M400 R403 A403 O404 S404 N302"),
    ("model version", "get", "model-version", lambda w: {"pk": w.project.pk, "version_pk": w.version.pk}, None, "M200 R403 A403 O404 S200 N302"),
    ("another project's model version", "get", "model-version", lambda w: {"pk": w.project.pk, "version_pk": w.other_version.pk}, None, "M404 R403 A403 O404 S404 N302"),
    ("download a model version without files", "get", "model-version-download", lambda w: {"pk": w.project.pk, "version_pk": w.version.pk}, None, "M404 R403 A403 O404 S404 N302"),
    ("fine-tune form", "get", "finetune", lambda w: {"pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N302"),
    ("fine-tune, bad", "post", "finetune", lambda w: {"pk": w.project.pk}, {"base": "magic"}, "M400 R403 A403 O404 S404 N302"),
    ("evaluation report", "get", "evaluation-report", lambda w: {"pk": w.project.pk, "report_pk": w.report.pk}, None, "M200 R403 A403 O404 S200 N302"),
    ("another project's evaluation report", "get", "evaluation-report", lambda w: {"pk": w.project.pk, "report_pk": w.other_report.pk}, None, "M404 R403 A403 O404 S404 N302"),
    ("compare, opened empty: the picker", "get", "evaluation-compare", lambda w: {"pk": w.project.pk}, None, "M200 R403 A403 O404 S200 N302"),
    ("evaluate, no snapshot", "post", "model-version-evaluate", lambda w: {"pk": w.project.pk, "version_pk": w.version.pk}, {}, "M302 R403 A403 O404 S404 N302"),
    ("registered model", "get", "registered-model", lambda w: {"pk": w.project.pk, "model_pk": w.version.registered_model_id}, None, "M200 R403 A403 O404 S200 N302"),
    ("another project's registered model", "get", "registered-model", lambda w: {"pk": w.project.pk, "model_pk": w.other_version.registered_model_id}, None, "M404 R403 A403 O404 S404 N302"),
    ("promotion page", "get", "model-version-promote", lambda w: {"pk": w.project.pk, "version_pk": w.version.pk}, None, "M200 R403 A403 O404 S200 N302"),
    ("promote to production", "post", "model-version-promote", lambda w: {"pk": w.project.pk, "version_pk": w.version.pk}, {"alias": "production"}, "M403 R403 A403 O404 S400 N302"),
    ("promote another project's version", "post", "model-version-promote", lambda w: {"pk": w.project.pk, "version_pk": w.other_version.pk}, {"alias": "production"}, "M404 R403 A403 O404 S404 N302"),
    ("roll back", "post", "model-rollback", lambda w: {"pk": w.project.pk, "model_pk": w.version.registered_model_id}, {}, "M403 R403 A403 O404 S302 N302"),
    ("predict a corpus, none chosen", "post", "model-version-predict", lambda w: {"pk": w.project.pk, "version_pk": w.version.pk}, {}, "M404 R403 A403 O404 S404 N302"),
    ("export to ONNX, not a classifier", "post", "model-version-onnx", lambda w: {"pk": w.project.pk, "version_pk": w.version.pk}, {"precision": "int8"}, "M302 R403 A403 O404 S404 N302"),
    ("export another project's version to ONNX", "post", "model-version-onnx", lambda w: {"pk": w.project.pk, "version_pk": w.other_version.pk}, {"precision": "int8"}, "M404 R403 A403 O404 S404 N302"),
    ("retraining, bad", "post", "model-retraining", lambda w: {"pk": w.project.pk}, {"every": "1"}, "M302 R403 A403 O404 S404 N302"),
    ("set documents aside", "post", "pool-create", lambda w: {"pk": w.project.pk, "corpus_pk": w.corpus.pk}, {"name": "P"}, "M302 R403 A403 O404 S404 N302"),
    ("set another project's documents aside", "post", "pool-create", lambda w: {"pk": w.project.pk, "corpus_pk": w.other_corpus.pk}, {"name": "P"}, "M404 R403 A403 O404 S404 N302"),
    ("remove pool", "post", "pool-delete", lambda w: {"pk": w.project.pk, "pool_pk": w.pool.pk}, {}, "M302 R403 A403 O404 S404 N302"),
    ("remove another project's pool", "post", "pool-delete", lambda w: {"pk": w.project.pk, "pool_pk": w.other_pool.pk}, {}, "M404 R403 A403 O404 S404 N302"),
    ("annotate other project", "get", "annotate", lambda w: {"pk": w.other.pk}, None, "M404 R404 A404 O404 S404 N302"),
    ("submit labels", "post", "annotate-submit", lambda w: {"pk": w.project.pk, "document_pk": w.document.pk}, {"labels": "1"}, "M302 R302 A302 O404 S404 N302"),
    ("submit labels, other project's document", "post", "annotate-submit", lambda w: {"pk": w.project.pk, "document_pk": w.other_document.pk}, {"labels": "1"}, "M404 R404 A404 O404 S404 N302"),
    ("skip", "post", "annotate-skip", lambda w: {"pk": w.project.pk, "document_pk": w.document.pk}, {}, "M302 R302 A302 O404 S404 N302"),
    ("undo", "post", "annotate-undo", lambda w: {"pk": w.project.pk}, {}, "M302 R302 A302 O404 S404 N302"),
    ("api token page", "get", "api-token", lambda w: {}, None, "M200 R200 A200 O200 S200 N302"),
    ("api docs", "get", "api-docs", lambda w: {}, None, "M200 R200 A200 O200 S200 N302"),
    ("health", "get", "healthz", lambda w: {}, None, "M200 R200 A200 O200 S200 N200"),
]

API = [
    ("list projects", "get", "api-project-list", lambda w: {}, None, "M200 R200 A200 O200 S200 N401"),
    ("create project", "post", "api-project-list", lambda w: {}, {"name": "API ward"}, "M201 R403 A403 O403 S403 N401"),
    ("project", "get", "api-project-detail", lambda w: {"pk": w.project.pk}, None, "M200 R200 A200 O404 S404 N401"),
    ("other project", "get", "api-project-detail", lambda w: {"pk": w.other.pk}, None, "M404 R404 A404 O404 S404 N401"),
    ("update project", "patch", "api-project-detail", lambda w: {"pk": w.project.pk}, {"name": "Renamed"}, "M200 R403 A403 O404 S404 N401"),
    ("members", "get", "api-member-list", lambda w: {"project_pk": w.project.pk}, None, "M200 R200 A200 O404 S404 N401"),
    ("other project's members", "get", "api-member-list", lambda w: {"project_pk": w.other.pk}, None, "M404 R404 A404 O404 S404 N401"),
    ("add member", "post", "api-member-list", lambda w: {"project_pk": w.project.pk}, {"user": "newcomer", "role": "reviewer"}, "M201 R403 A403 O404 S404 N401"),
    ("member", "get", "api-member-detail", lambda w: {"project_pk": w.project.pk, "pk": w.annotator_membership.pk}, None, "M200 R200 A200 O404 S404 N401"),
    ("other project's member via this project", "get", "api-member-detail", lambda w: {"project_pk": w.project.pk, "pk": w.other_membership.pk}, None, "M404 R404 A404 O404 S404 N401"),
    ("change role", "patch", "api-member-detail", lambda w: {"project_pk": w.project.pk, "pk": w.annotator_membership.pk}, {"role": "reviewer"}, "M200 R403 A403 O404 S404 N401"),
    ("remove member", "delete", "api-member-detail", lambda w: {"project_pk": w.project.pk, "pk": w.annotator_membership.pk}, None, "M204 R403 A403 O404 S404 N401"),
    ("remove other project's member", "delete", "api-member-detail", lambda w: {"project_pk": w.project.pk, "pk": w.other_membership.pk}, None, "M404 R403 A403 O404 S404 N401"),
    ("project jobs", "get", "api-project-jobs", lambda w: {"pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("start job", "post", "api-project-jobs", lambda w: {"pk": w.project.pk}, {"kind": "selftest"}, "M201 R403 A403 O404 S404 N401"),
    ("start job in other project", "post", "api-project-jobs", lambda w: {"pk": w.other.pk}, {"kind": "selftest"}, "M404 R404 A404 O404 S404 N401"),
    ("jobs", "get", "api-job-list", lambda w: {}, None, "M200 R200 A200 O200 S200 N401"),
    ("job", "get", "api-job-detail", lambda w: {"pk": w.job.pk}, None, "M200 R404 A404 O404 S200 N401"),
    ("other project's job", "get", "api-job-detail", lambda w: {"pk": w.other_job.pk}, None, "M404 R404 A404 O404 S200 N401"),
    ("job metrics", "get", "api-job-metrics", lambda w: {"pk": w.job.pk}, None, "M200 R404 A404 O404 S200 N401"),
    ("cancel job", "post", "api-job-cancel", lambda w: {"pk": w.job.pk}, None, "M200 R404 A404 O404 S200 N401"),
    ("cancel other project's job", "post", "api-job-cancel", lambda w: {"pk": w.other_job.pk}, None, "M404 R404 A404 O404 S200 N401"),
    ("retry job", "post", "api-job-retry", lambda w: {"pk": w.failed_job.pk}, None, "M201 R404 A404 O404 S201 N401"),
    ("job kinds", "get", "api-job-kinds", lambda w: {}, None, "M200 R200 A200 O200 S200 N401"),
    ("corpora", "get", "api-corpus-list", lambda w: {"project_pk": w.project.pk}, None, "M200 R200 A200 O404 S404 N401"),
    ("other project's corpora", "get", "api-corpus-list", lambda w: {"project_pk": w.other.pk}, None, "M404 R404 A404 O404 S404 N401"),
    ("corpus", "get", "api-corpus-detail", lambda w: {"project_pk": w.project.pk, "pk": w.corpus.pk}, None, "M200 R200 A200 O404 S404 N401"),
    ("other project's corpus via this project", "get", "api-corpus-detail", lambda w: {"project_pk": w.project.pk, "pk": w.other_corpus.pk}, None, "M404 R404 A404 O404 S404 N401"),
    ("import", "post", "api-corpus-list", lambda w: {"project_pk": w.project.pk}, {"upload": 0, "name": "x", "format": "csv"}, "M404 R403 A403 O404 S404 N401"),
    ("corpus role", "patch", "api-corpus-detail", lambda w: {"project_pk": w.project.pk, "pk": w.corpus.pk}, {"role": "aside"}, "M200 R403 A403 O404 S404 N401"),
    ("delete corpus", "delete", "api-corpus-detail", lambda w: {"project_pk": w.project.pk, "pk": w.corpus.pk}, None, "M204 R403 A403 O404 S404 N401"),
    ("import a server file", "post", "api-upload-server-file", lambda w: {"project_pk": w.project.pk}, {"path": "notes.csv"}, "M403 R403 A403 O404 S404 N401"),
    ("upload preview", "get", "api-upload-preview", lambda w: {"project_pk": w.project.pk, "pk": w.upload.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("other project's upload via this project", "get", "api-upload-preview", lambda w: {"project_pk": w.project.pk, "pk": w.other_upload.pk}, None, "M404 R403 A403 O404 S404 N401"),
    ("documents", "get", "api-documents", lambda w: {"project_pk": w.project.pk, "corpus_pk": w.corpus.pk}, None, "M200 R200 A200 O404 S404 N401"),
    ("document", "get", "api-document-detail", lambda w: {"project_pk": w.project.pk, "pk": w.document.pk}, None, "M200 R200 A200 O404 S404 N401"),
    ("other project's document via this project", "get", "api-document-detail", lambda w: {"project_pk": w.project.pk, "pk": w.other_document.pk}, None, "M404 R404 A404 O404 S404 N401"),
    ("label schema", "get", "api-schema-detail", lambda w: {"project_pk": w.project.pk}, None, "M200 R200 A200 O404 S404 N401"),
    ("set label schema", "put", "api-schema-detail", lambda w: {"project_pk": w.project.pk}, {"kind": "multi"}, "M200 R403 A403 O404 S404 N401"),
    ("set label schema, stale version", "put", "api-schema-detail", lambda w: {"project_pk": w.project.pk}, {"kind": "multi", "version": 999}, "M409 R403 A403 O404 S404 N401"),
    ("add label", "post", "api-label-list", lambda w: {"project_pk": w.project.pk}, {"name": "X"}, "M201 R403 A403 O404 S404 N401"),
    ("named tasks", "get", "api-task-list", lambda w: {"project_pk": w.project.pk}, None, "M200 R200 A200 O404 S404 N401"),
    ("add task", "post", "api-task-list", lambda w: {"project_pk": w.project.pk}, {"name": "Smoker", "kind": "single"}, "M201 R403 A403 O404 S404 N401"),
    ("task", "get", "api-task-detail", lambda w: {"project_pk": w.project.pk, "pk": w.task.pk}, None, "M200 R200 A200 O404 S404 N401"),
    ("another project's task", "get", "api-task-detail", lambda w: {"project_pk": w.project.pk, "pk": w.other_task.pk}, None, "M404 R404 A404 O404 S404 N401"),
    ("set task", "put", "api-task-detail", lambda w: {"project_pk": w.project.pk, "pk": w.task.pk}, {"kind": "multi"}, "M200 R403 A403 O404 S404 N401"),
    ("delete task", "delete", "api-task-detail", lambda w: {"project_pk": w.project.pk, "pk": w.task.pk}, None, "M204 R403 A403 O404 S404 N401"),
    ("change labels, one unknown", "patch", "api-label-changes", lambda w: {"project_pk": w.project.pk}, {"labels": [{"id": 0}]}, "M404 R403 A403 O404 S404 N401"),
    ("change span labels, one unknown", "patch", "api-span-label-changes", lambda w: {"project_pk": w.project.pk}, {"labels": [{"id": 0}]}, "M404 R403 A403 O404 S404 N401"),
    ("combine classifiers, too few", "post", "api-ensembles", lambda w: {"project_pk": w.project.pk}, {"versions": [1], "snapshot": 1}, "M400 R403 A403 O404 S404 N401"),
    ("delete a span label, none", "delete", "api-span-label-detail", lambda w: {"project_pk": w.project.pk, "pk": 0}, None, "M404 R403 A403 O404 S404 N401"),
    ("dashboard", "get", "api-dashboard", lambda w: {"project_pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("disagreements", "get", "api-disagreements", lambda w: {"project_pk": w.project.pk}, None, "M200 R200 A403 O404 S404 N401"),
    ("document review", "get", "api-document-review", lambda w: {"project_pk": w.project.pk, "pk": w.document.pk}, None, "M200 R200 A403 O404 S404 N401"),
    ("agreement", "get", "api-agreement", lambda w: {"project_pk": w.project.pk}, None, "M200 R200 A403 O404 S404 N401"),
    ("next task", "get", "api-task-next", lambda w: {"project_pk": w.project.pk}, None, "M200 R200 A200 O404 S404 N401"),
    ("next task, other project", "get", "api-task-next", lambda w: {"project_pk": w.other.pk}, None, "M404 R404 A404 O404 S404 N401"),
    ("submit, no labels yet", "post", "api-document-annotation", lambda w: {"project_pk": w.project.pk, "pk": w.document.pk}, {"labels": [1]}, "M400 R400 A400 O404 S404 N401"),
    ("submit, other project's document", "post", "api-document-annotation", lambda w: {"project_pk": w.project.pk, "pk": w.other_document.pk}, {"labels": [1]}, "M404 R404 A404 O404 S404 N401"),
    ("own annotation, none yet", "get", "api-document-annotation", lambda w: {"project_pk": w.project.pk, "pk": w.document.pk}, None, "M404 R404 A404 O404 S404 N401"),
    ("skip, not reserved", "post", "api-document-skip", lambda w: {"project_pk": w.project.pk, "pk": w.document.pk}, None, "M400 R400 A400 O404 S404 N401"),
    ("undo, nothing to undo", "post", "api-task-undo", lambda w: {"project_pk": w.project.pk}, None, "M400 R400 A400 O404 S404 N401"),
    ("snapshots", "get", "api-snapshot-list", lambda w: {"project_pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("make snapshot, no labels", "post", "api-snapshot-list", lambda w: {"project_pk": w.project.pk}, {"name": "S"}, "M400 R403 A403 O404 S404 N401"),
    ("snapshot", "get", "api-snapshot-detail", lambda w: {"project_pk": w.project.pk, "pk": w.snapshot.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("another project's snapshot", "get", "api-snapshot-detail", lambda w: {"project_pk": w.project.pk, "pk": w.other_snapshot.pk}, None, "M404 R403 A403 O404 S404 N401"),
    ("download a snapshot still building", "get", "api-snapshot-download", lambda w: {"project_pk": w.project.pk, "pk": w.snapshot.pk}, None, "M404 R403 A403 O404 S404 N401"),
    ("spaCy files: download a snapshot still building", "get", "api-snapshot-spacy", lambda w: {"project_pk": w.project.pk, "pk": w.snapshot.pk}, None, "M404 R403 A403 O404 S404 N401"),
    ("export labels", "get", "api-label-export", lambda w: {"project_pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("cleaning defaults", "get", "api-cleaning-defaults", lambda w: {"project_pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("recipes", "get", "api-recipe-list", lambda w: {"project_pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("save recipe, bad", "post", "api-recipe-list", lambda w: {"project_pk": w.project.pk}, {"name": "R", "steps": {"seed": -1}}, "M400 R403 A403 O404 S404 N401"),
    ("recipe", "get", "api-recipe-detail", lambda w: {"project_pk": w.project.pk, "pk": w.recipe.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("another project's recipe", "get", "api-recipe-detail", lambda w: {"project_pk": w.project.pk, "pk": w.other_recipe.pk}, None, "M404 R403 A403 O404 S404 N401"),
    ("clean corpus", "post", "api-corpus-clean", lambda w: {"project_pk": w.project.pk, "pk": w.corpus.pk}, {}, "M201 R403 A403 O404 S404 N401"),
    ("clean another project's corpus", "post", "api-corpus-clean", lambda w: {"project_pk": w.project.pk, "pk": w.other_corpus.pk}, {}, "M404 R403 A403 O404 S404 N401"),
    ("propose PHI spans", "post", "api-corpus-phi-spans", lambda w: {"project_pk": w.project.pk, "pk": w.corpus.pk}, {}, "M201 R403 A403 O404 S404 N401"),
    ("propose PHI spans, another project's corpus", "post", "api-corpus-phi-spans", lambda w: {"project_pk": w.project.pk, "pk": w.other_corpus.pk}, {}, "M404 R403 A403 O404 S404 N401"),
    ("cleaning runs", "get", "api-cleaning-runs", lambda w: {"project_pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("cleaning report", "get", "api-cleaning-run", lambda w: {"project_pk": w.project.pk, "pk": w.run.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("another project's cleaning report", "get", "api-cleaning-run", lambda w: {"project_pk": w.project.pk, "pk": w.other_run.pk}, None, "M404 R403 A403 O404 S404 N401"),
    ("near-duplicate clusters", "get", "api-cleaning-clusters", lambda w: {"project_pk": w.project.pk, "pk": w.run.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("pretraining defaults", "get", "api-pretraining-defaults", lambda w: {"project_pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("pretraining runs", "get", "api-pretraining-list", lambda w: {"project_pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("start pretraining", "post", "api-pretraining-list", lambda w: {"project_pk": w.project.pk}, {"queue": "cpu"}, "M201 R403 A403 O404 S404 N401"),
    ("models", "get", "api-model-list", lambda w: {"project_pk": w.project.pk}, None, "M200 R403 A403 O404 S200 N401"),
    ("model version", "get", "api-model-version", lambda w: {"project_pk": w.project.pk, "pk": w.version.pk}, None, "M200 R403 A403 O404 S200 N401"),
    ("another project's model version", "get", "api-model-version", lambda w: {"project_pk": w.project.pk, "pk": w.other_version.pk}, None, "M404 R403 A403 O404 S404 N401"),
    ("download a model version without files", "get", "api-model-version-download", lambda w: {"project_pk": w.project.pk, "pk": w.version.pk}, None, "M404 R403 A403 O404 S404 N401"),
    ("fine-tuning defaults", "get", "api-finetuning-defaults", lambda w: {"project_pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("fine-tuning runs", "get", "api-finetuning-list", lambda w: {"project_pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("fine-tune, no snapshot", "post", "api-finetuning-list", lambda w: {"project_pk": w.project.pk}, {}, "M400 R403 A403 O404 S404 N401"),
    ("evaluate, bad", "post", "api-evaluation-list", lambda w: {"project_pk": w.project.pk}, {"model_version": "x"}, "M400 R403 A403 O404 S404 N401"),
    ("evaluation report", "get", "api-evaluation", lambda w: {"project_pk": w.project.pk, "pk": w.report.pk}, None, "M200 R403 A403 O404 S200 N401"),
    ("another project's evaluation report", "get", "api-evaluation", lambda w: {"project_pk": w.project.pk, "pk": w.other_report.pk}, None, "M404 R403 A403 O404 S404 N401"),
    ("compare, no reports", "get", "api-evaluation-compare", lambda w: {"project_pk": w.project.pk}, None, "M400 R403 A403 O404 S400 N401"),
    ("promotion case", "get", "api-model-version-promotion", lambda w: {"project_pk": w.project.pk, "pk": w.version.pk}, None, "M200 R403 A403 O404 S200 N401"),
    ("promote to production", "post", "api-model-version-aliases", lambda w: {"project_pk": w.project.pk, "pk": w.version.pk}, {"alias": "production"}, "M403 R403 A403 O404 S400 N401"),
    ("stage an encoder", "post", "api-model-version-aliases", lambda w: {"project_pk": w.project.pk, "pk": w.version.pk}, {"alias": "staging"}, "M400 R403 A403 O404 S400 N401"),
    ("promote another project's version", "post", "api-model-version-aliases", lambda w: {"project_pk": w.project.pk, "pk": w.other_version.pk}, {"alias": "production"}, "M404 R403 A403 O404 S404 N401"),
    ("alias history", "get", "api-model-history", lambda w: {"project_pk": w.project.pk, "pk": w.version.registered_model_id}, None, "M200 R403 A403 O404 S200 N401"),
    ("another project's alias history", "get", "api-model-history", lambda w: {"project_pk": w.project.pk, "pk": w.other_version.registered_model_id}, None, "M404 R403 A403 O404 S404 N401"),
    ("roll back", "post", "api-model-rollback", lambda w: {"project_pk": w.project.pk, "pk": w.version.registered_model_id}, {}, "M403 R403 A403 O404 S400 N401"),
    ("predict a corpus, none chosen", "post", "api-model-version-predict-corpus", lambda w: {"project_pk": w.project.pk, "pk": w.version.pk}, {}, "M400 R403 A403 O404 S404 N401"),
    ("export to ONNX, not a classifier", "post", "api-model-version-onnx", lambda w: {"project_pk": w.project.pk, "pk": w.version.pk}, {}, "M400 R403 A403 O404 S404 N401"),
    ("export another project's version to ONNX", "post", "api-model-version-onnx", lambda w: {"project_pk": w.project.pk, "pk": w.other_version.pk}, {}, "M404 R403 A403 O404 S404 N401"),
    ("predict, nothing in production", "post", "api-predict", lambda w: {"project_pk": w.project.pk}, {"text": "chest pain"}, "M409 R409 A409 O404 S404 N401"),
    ("retraining order, none set", "get", "api-retrain-policy", lambda w: {"project_pk": w.project.pk}, None, "M404 R403 A403 O404 S404 N401"),
    ("set retraining, bad", "put", "api-retrain-policy", lambda w: {"project_pk": w.project.pk}, {"every": 1}, "M400 R403 A403 O404 S404 N401"),
    ("retrain now, no order", "post", "api-retrain-now", lambda w: {"project_pk": w.project.pk}, {}, "M400 R403 A403 O404 S404 N401"),
    ("pools", "get", "api-pool-list", lambda w: {"project_pk": w.project.pk}, None, "M200 R403 A403 O404 S404 N401"),
    ("make pool, no annotators", "post", "api-pool-list", lambda w: {"project_pk": w.project.pk}, {"name": "P", "annotators": [], "corpus": 0}, "M400 R403 A403 O404 S404 N401"),
    ("remove pool", "delete", "api-pool-detail", lambda w: {"project_pk": w.project.pk, "pk": w.pool.pk}, None, "M204 R403 A403 O404 S404 N401"),
    ("remove another project's pool", "delete", "api-pool-detail", lambda w: {"project_pk": w.project.pk, "pk": w.other_pool.pk}, None, "M404 R403 A403 O404 S404 N401"),
    ("record predictions, none", "post", "api-prediction-list", lambda w: {"project_pk": w.project.pk}, {"model_version": "m", "predictions": []}, "M400 R403 A403 O404 S404 N401"),
    ("document predictions", "get", "api-document-predictions", lambda w: {"project_pk": w.project.pk, "pk": w.document.pk}, None, "M200 R200 A200 O404 S404 N401"),
    ("other project's document predictions", "get", "api-document-predictions", lambda w: {"project_pk": w.project.pk, "pk": w.other_document.pk}, None, "M404 R404 A404 O404 S404 N401"),
    ("status", "get", "api-status", lambda w: {}, None, "M403 R403 A403 O403 S200 N401"),
    ("queue checks", "get", "api-queue-check-list", lambda w: {}, None, "M403 R403 A403 O403 S200 N401"),
    ("send queue check", "post", "api-queue-check-list", lambda w: {}, {"queue": "gpu"}, "M403 R403 A403 O403 S201 N401"),
    ("queue check", "get", "api-queue-check-detail", lambda w: {"pk": w.check.pk}, None, "M403 R403 A403 O403 S200 N401"),
    ("audit events", "get", "api-audit-events", lambda w: {}, None, "M403 R403 A403 O403 S200 N401"),
    ("users", "get", "api-user-list", lambda w: {}, None, "M403 R403 A403 O403 S200 N401"),
    ("create user", "post", "api-user-list", lambda w: {}, {"username": "newbie"}, "M403 R403 A403 O403 S201 N401"),
    ("user", "get", "api-user-detail", lambda w: {"pk": w.users["O"].pk}, None, "M403 R403 A403 O403 S200 N401"),
    ("change a user", "patch", "api-user-detail", lambda w: {"pk": w.users["O"].pk}, {"may_create_projects": True}, "M403 R403 A403 O403 S200 N401"),
    ("reset a password", "post", "api-user-password-link", lambda w: {"pk": w.users["O"].pk}, None, "M403 R403 A403 O403 S201 N401"),
    ("schema", "get", "api-schema", lambda w: {}, None, "M200 R200 A200 O200 S200 N401"),
]


def manager_user(project):
    return Membership.objects.filter(project=project, role=Role.MANAGER).first().user


class World:
    def __init__(self, project, other_project, manager, reviewer, annotator, outsider, admin_user):
        self.project = project
        self.other = other_project
        self.users = {"M": manager, "R": reviewer, "A": annotator, "O": outsider, "S": admin_user, "N": None}
        self.annotator_membership = Membership.objects.get(project=project, user=annotator)
        self.other_membership = MembershipFactory(project=other_project, user=UserFactory(username="other-member"))
        self.check = QueueCheck.objects.create(queue="cpu", worker="w@host")
        self.check.completed_at = self.check.requested_at
        self.check.save()
        UserFactory(username="newcomer")
        self.job = Job.objects.create(kind="selftest", queue="cpu", project=project)
        self.failed_job = Job.objects.create(kind="selftest", queue="cpu", project=project, status=Job.Status.FAILED)
        self.other_job = Job.objects.create(kind="selftest", queue="cpu", project=other_project)
        self.corpus = Corpus.objects.create(project=project, name="Ward notes", status=Corpus.Status.READY)
        self.other_corpus = Corpus.objects.create(project=other_project, name="Their notes", status=Corpus.Status.READY)
        self.document = Document.objects.create(corpus=self.corpus, external_id="d1", text="note", content_hash="0", length=4)
        self.other_document = Document.objects.create(corpus=self.other_corpus, external_id="d1", text="theirs", content_hash="0", length=6)
        self.snapshot = DatasetSnapshot.objects.create(project=project, name="S")
        self.other_snapshot = DatasetSnapshot.objects.create(project=other_project, name="Theirs")
        self.recipe = CleaningRecipe.objects.create(project=project, name="R", steps={})
        self.other_recipe = CleaningRecipe.objects.create(project=other_project, name="R", steps={})
        self.run = CleaningRun.objects.create(project=project, source=self.corpus, steps={})
        self.other_run = CleaningRun.objects.create(project=other_project, source=self.other_corpus, steps={})
        encoder = RegisteredModel.objects.create(project=project, name="Enc", kind="encoder")
        self.version = ModelVersion.objects.create(registered_model=encoder, version=1, folder="models/none/1")
        theirs = RegisteredModel.objects.create(project=other_project, name="Enc", kind="encoder")
        self.other_version = ModelVersion.objects.create(registered_model=theirs, version=1, folder="models/none/2")
        self.report = EvaluationReport.objects.create(project=project, model_version=self.version, snapshot=self.snapshot)
        self.other_report = EvaluationReport.objects.create(project=other_project, model_version=self.other_version,
                                                            snapshot=self.other_snapshot)
        self.task = LabelSchema.objects.create(project=project, name="Risk")
        self.other_task = LabelSchema.objects.create(project=other_project, name="Risk")
        self.pool = AnnotatorPool.objects.create(project=project, name="Pool")
        self.other_pool = AnnotatorPool.objects.create(project=other_project, name="Their pool")
        self.upload = uploads.store_upload(manager_user(project), project, "notes.csv", [b"id,text\na,b\n"])
        self.other_upload = uploads.store_upload(None, other_project, "theirs.csv", [b"id,text\na,b\n"])


@pytest.fixture
def world(project, other_project, manager, reviewer, annotator, outsider, admin_user, monkeypatch, settings, tmp_path):
    monkeypatch.setattr("studio.dispatch.send", lambda *args: None)
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    monkeypatch.setattr(
        "studio.services.system_status.workers_status", lambda timeout=1.5: {"workers": [], "error": ""}
    )
    return World(project, other_project, manager, reviewer, annotator, outsider, admin_user)


def _cases(table):
    cases = []
    for name, method, url_name, kwargs, data, expected in table:
        for actor, status in codes(expected).items():
            cases.append(pytest.param(method, url_name, kwargs, data, actor, status, id=f"{name}-{actor}"))
    return cases


def _request(client, world, method, url_name, kwargs, actor, **body):
    if world.users[actor] is not None:
        client.force_login(world.users[actor])
    return getattr(client, method)(reverse(url_name, kwargs=kwargs(world)), **body)


@pytest.mark.parametrize("method,url_name,kwargs,data,actor,status", _cases(HTML))
def test_html_views_answer_each_actor(client, world, method, url_name, kwargs, data, actor, status):
    response = _request(client, world, method, url_name, kwargs, actor, **({"data": data} if method == "post" else {}))
    assert response.status_code == status, response.content[:300]
    if status == 302 and actor == "N":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("method,url_name,kwargs,data,actor,status", _cases(API))
def test_api_answers_each_actor(client, world, method, url_name, kwargs, data, actor, status):
    body = {} if data is None else {"data": json.dumps(data), "content_type": "application/json"}
    response = _request(client, world, method, url_name, kwargs, actor, **body)
    assert response.status_code == status, response.content[:300]
    if status >= 400:
        assert "json" in response["Content-Type"]
        assert response.json()["detail"]


def test_member_role_changes_are_not_made_by_denied_actors(client, world):
    client.force_login(world.users["R"])
    client.post(reverse("member-role", kwargs={"pk": world.project.pk, "member_pk": world.annotator_membership.pk}), {"role": "manager"})
    world.annotator_membership.refresh_from_db()
    assert world.annotator_membership.role == Role.ANNOTATOR


@pytest.mark.parametrize("actor,status", list(codes("M201 R403 A403 O404 S404 N401").items()))
def test_api_uploads_answer_each_actor(client, world, actor, status):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = _request(client, world, "post", "api-uploads", lambda w: {"project_pk": w.project.pk}, actor,
                        data={"file": SimpleUploadedFile("notes.csv", b"id,text\na,b\n")})
    assert response.status_code == status, response.content[:300]


@pytest.mark.parametrize("url_name,kwargs", [
    ("corpus-detail", lambda w: {"pk": w.project.pk, "corpus_pk": w.corpus.pk}),
    ("api-documents", lambda w: {"project_pk": w.project.pk, "corpus_pk": w.corpus.pk}),
])
@pytest.mark.parametrize("actor,status", list(codes("M200 R200 A400 O404 S404 N302").items()))
@pytest.mark.parametrize("label_filter", [{"labeled": "yes"}, {"label": "1"}, {"annotator": "imported"}])
def test_filtering_documents_by_what_annotators_said_needs_the_reviewer_role(
        client, world, url_name, kwargs, actor, status, label_filter):
    if world.users[actor] is not None:
        client.force_login(world.users[actor])
    response = client.get(reverse(url_name, kwargs=kwargs(world)), label_filter)
    expected = 401 if actor == "N" and url_name.startswith("api-") else status
    assert response.status_code == expected, response.content[:300]
    if expected == 400:
        assert "reviewer role" in response.content.decode()
