"""Labeling's routes: its pages, and its API under api/ (mounted once by the shell)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .api import annotate, corpora, datasets, distribution, schema
from .api import projects as project_api
from .api import review as review_api
from .views import agreement, dashboard, jobs, labels, members, pools, projects, review
from .views import annotate as annotate_pages
from .views import corpora as corpus_pages
from .views import datasets as dataset_pages

router = DefaultRouter()
router.include_root_view = False  # the shell's router answers /api/
router.register("projects", project_api.ProjectViewSet, basename="api-project")
router.register(r"projects/(?P<project_pk>[0-9]+)/members", project_api.MembershipViewSet, basename="api-member")
router.register(r"projects/(?P<project_pk>[0-9]+)/corpora", corpora.CorpusViewSet, basename="api-corpus")

P = "projects/<int:project_pk>/"
api_patterns = [
    path(P + "uploads/", corpora.UploadView.as_view(), name="api-uploads"),
    path(P + "uploads/server-file/", corpora.ServerFileView.as_view(), name="api-upload-server-file"),
    path(P + "uploads/<int:pk>/preview/", corpora.UploadPreviewView.as_view(), name="api-upload-preview"),
    path(P + "corpora/<int:corpus_pk>/documents/", corpora.DocumentList.as_view(), name="api-documents"),
    path(P + "documents/<int:pk>/", corpora.DocumentDetail.as_view(), name="api-document-detail"),
    path(P + "schema/", schema.SchemaView.as_view(), name="api-schema-detail"),
    path(P + "labels/", schema.LabelCreate.as_view(), name="api-label-list"),
    path(P + "tasks/", schema.TaskList.as_view(), name="api-task-list"),
    path(P + "tasks/<int:pk>/", schema.TaskDetail.as_view(), name="api-task-detail"),
    path(P + "labels/changes/", schema.LabelChanges.as_view(), name="api-label-changes"),
    path(P + "labels/<int:pk>/", schema.LabelDetail.as_view(), name="api-label-detail"),
    path(P + "span-labels/changes/", schema.SpanLabelChanges.as_view(), name="api-span-label-changes"),
    path(P + "span-labels/<int:pk>/", schema.SpanLabelDetail.as_view(), name="api-span-label-detail"),
    path(P + "dashboard/", review_api.Dashboard.as_view(), name="api-dashboard"),
    path(P + "review/disagreements/", review_api.Disagreements.as_view(), name="api-disagreements"),
    path(P + "documents/<int:pk>/review/", review_api.DocumentReview.as_view(), name="api-document-review"),
    path(P + "annotations/<int:pk>/reject/", review_api.RejectAnnotation.as_view(), name="api-annotation-reject"),
    path(P + "agreement/", review_api.Agreement.as_view(), name="api-agreement"),
    path(P + "tasks/next/", annotate.NextTask.as_view(), name="api-task-next"),
    path(P + "tasks/undo/", annotate.UndoTask.as_view(), name="api-task-undo"),
    path(P + "documents/<int:pk>/annotation/", annotate.DocumentAnnotation.as_view(), name="api-document-annotation"),
    path(P + "documents/<int:pk>/skip/", annotate.SkipDocument.as_view(), name="api-document-skip"),
    path(P + "snapshots/", datasets.SnapshotList.as_view(), name="api-snapshot-list"),
    path(P + "snapshots/<int:pk>/", datasets.SnapshotDetail.as_view(), name="api-snapshot-detail"),
    path(P + "snapshots/<int:pk>/download/", datasets.SnapshotDownload.as_view(), name="api-snapshot-download"),
    path(P + "snapshots/<int:pk>/spacy/", datasets.SnapshotSpacyDownload.as_view(), name="api-snapshot-spacy"),
    path(P + "export/", datasets.LabelExport.as_view(), name="api-label-export"),
    path(P + "pools/", distribution.PoolList.as_view(), name="api-pool-list"),
    path(P + "pools/<int:pk>/", distribution.PoolDetail.as_view(), name="api-pool-detail"),
    path(P + "predictions/", distribution.PredictionList.as_view(), name="api-prediction-list"),
    path(P + "documents/<int:pk>/predictions/", distribution.DocumentPredictions.as_view(),
         name="api-document-predictions"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("api/", include(api_patterns)),
    path("projects/", projects.project_list, name="project-list"),
    path("projects/new/", projects.project_create, name="project-create"),
    path("projects/<int:pk>/", projects.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", projects.project_edit, name="project-edit"),
    path("projects/<int:pk>/members/", members.member_list, name="member-list"),
    path("projects/<int:pk>/members/<int:member_pk>/role/", members.member_role, name="member-role"),
    path("projects/<int:pk>/members/<int:member_pk>/remove/", members.member_remove, name="member-remove"),
    path("projects/<int:pk>/corpora/<int:corpus_pk>/pool/", pools.pool_create, name="pool-create"),
    path("projects/<int:pk>/pools/<int:pool_pk>/delete/", pools.pool_delete, name="pool-delete"),
    path("projects/<int:pk>/labels/", labels.label_list, name="label-list"),
    path("projects/<int:pk>/labels/schema/", labels.schema_update, name="schema-update"),
    path("projects/<int:pk>/labels/add/", labels.label_add, name="label-add"),
    path("projects/<int:pk>/tasks/add/", labels.task_add, name="task-add"),
    path("projects/<int:pk>/tasks/<int:task_pk>/delete/", labels.task_delete, name="task-delete"),
    path("projects/<int:pk>/tasks/<int:task_pk>/gold/", labels.task_gold, name="task-gold"),
    path("projects/<int:pk>/labels/save/", labels.labels_save, name="labels-save"),
    path("projects/<int:pk>/labels/<int:label_pk>/", labels.label_update, name="label-update"),
    path("projects/<int:pk>/labels/<int:label_pk>/delete/", labels.label_delete, name="label-delete"),
    path("projects/<int:pk>/span-labels/save/", labels.labels_save, {"span": True}, name="span-labels-save"),
    path("projects/<int:pk>/span-labels/<int:label_pk>/delete/", labels.label_delete, {"span": True},
         name="span-label-delete"),
    path("projects/<int:pk>/annotate/", annotate_pages.annotate, name="annotate"),
    path("projects/<int:pk>/dashboard/", dashboard.dashboard_page, name="dashboard"),
    path("projects/<int:pk>/review/", review.review_list, name="review-list"),
    path("projects/<int:pk>/review/<int:document_pk>/", review.review_document, name="review-document"),
    path("projects/<int:pk>/annotations/<int:annotation_pk>/reject/", review.annotation_reject, name="annotation-reject"),
    path("projects/<int:pk>/agreement/", agreement.agreement_page, name="agreement"),
    path("projects/<int:pk>/annotate/undo/", annotate_pages.annotate_undo, name="annotate-undo"),
    path("projects/<int:pk>/annotate/<int:document_pk>/submit/", annotate_pages.annotate_submit, name="annotate-submit"),
    path("projects/<int:pk>/annotate/<int:document_pk>/skip/", annotate_pages.annotate_skip, name="annotate-skip"),
    path("projects/<int:pk>/datasets/", dataset_pages.dataset_list, name="dataset-list"),
    path("projects/<int:pk>/datasets/export/", dataset_pages.export_labels, name="label-export"),
    path("projects/<int:pk>/snapshots/<int:snapshot_pk>/", dataset_pages.snapshot_detail, name="snapshot-detail"),
    path("projects/<int:pk>/snapshots/<int:snapshot_pk>/download/", dataset_pages.snapshot_download, name="snapshot-download"),
    path("projects/<int:pk>/snapshots/<int:snapshot_pk>/spacy/", dataset_pages.snapshot_download, {"spacy": True},
         name="snapshot-spacy"),
    path("projects/<int:pk>/jobs/", jobs.project_jobs, name="project-jobs"),
    path("projects/<int:pk>/corpora/upload/", corpus_pages.corpus_upload, name="corpus-upload"),
    path("projects/<int:pk>/corpora/server-file/", corpus_pages.corpus_server_file, name="corpus-server-file"),
    path("projects/<int:pk>/uploads/<int:upload_pk>/map/", corpus_pages.upload_map, name="upload-map"),
    path("projects/<int:pk>/corpora/<int:corpus_pk>/", corpus_pages.corpus_detail, name="corpus-detail"),
    path("projects/<int:pk>/corpora/<int:corpus_pk>/role/", corpus_pages.corpus_role, name="corpus-role"),
    path("projects/<int:pk>/documents/<int:document_pk>/", corpus_pages.document_detail, name="document-detail"),
]
