from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from labeling.annotate_api import Agreement, DocumentAnnotation, NextTask, SkipDocument, UndoTask
from labeling.api import MembershipViewSet, ProjectViewSet
from labeling.corpus_api import (
    CorpusViewSet,
    DocumentDetail,
    DocumentList,
    ServerFileView,
    UploadPreviewView,
    UploadView,
)
from labeling.dataset_api import LabelExport, SnapshotDetail, SnapshotDownload, SnapshotList
from labeling.distribution_api import DocumentPredictions, PoolDetail, PoolList, PredictionList
from labeling.review_api import Dashboard, Disagreements, DocumentReview, RejectAnnotation
from labeling.schema_api import LabelCreate, LabelDetail, SchemaView
from training.api import CleanCorpus, RecipeDefaults, RecipeDetail, RecipeList, RunClusters, RunDetail, RunList
from training.models_api import (
    EvaluationComparison,
    EvaluationDetail,
    EvaluationList,
    FinetuningDefaults,
    FinetuningList,
    ModelList,
    ModelVersionDetail,
    ModelVersionDownload,
    PretrainingDefaults,
    PretrainingList,
)
from training.registry_api import (
    AliasHistory,
    AliasMove,
    Predict,
    PredictCorpus,
    PromotionCase,
    RetrainNow,
    RetrainPolicyDetail,
    Rollback,
)

from .api import AuditEventList, JobKindList, JobViewSet, QueueCheckViewSet, SystemStatusView
from .views import admin_pages, auth, health, jobs

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="api-project")
router.register(r"projects/(?P<project_pk>[0-9]+)/members", MembershipViewSet, basename="api-member")
router.register("status/queue-checks", QueueCheckViewSet, basename="api-queue-check")
router.register("jobs", JobViewSet, basename="api-job")
router.register(r"projects/(?P<project_pk>[0-9]+)/corpora", CorpusViewSet, basename="api-corpus")

api_patterns = [
    path("status/", SystemStatusView.as_view(), name="api-status"),
    path("audit-events/", AuditEventList.as_view(), name="api-audit-events"),
    path("job-kinds/", JobKindList.as_view(), name="api-job-kinds"),
    path("projects/<int:project_pk>/uploads/", UploadView.as_view(), name="api-uploads"),
    path("projects/<int:project_pk>/uploads/server-file/", ServerFileView.as_view(), name="api-upload-server-file"),
    path("projects/<int:project_pk>/uploads/<int:pk>/preview/", UploadPreviewView.as_view(), name="api-upload-preview"),
    path("projects/<int:project_pk>/corpora/<int:corpus_pk>/documents/", DocumentList.as_view(), name="api-documents"),
    path("projects/<int:project_pk>/documents/<int:pk>/", DocumentDetail.as_view(), name="api-document-detail"),
    path("projects/<int:project_pk>/schema/", SchemaView.as_view(), name="api-schema-detail"),
    path("projects/<int:project_pk>/labels/", LabelCreate.as_view(), name="api-label-list"),
    path("projects/<int:project_pk>/labels/<int:pk>/", LabelDetail.as_view(), name="api-label-detail"),
    path("projects/<int:project_pk>/dashboard/", Dashboard.as_view(), name="api-dashboard"),
    path("projects/<int:project_pk>/review/disagreements/", Disagreements.as_view(), name="api-disagreements"),
    path("projects/<int:project_pk>/documents/<int:pk>/review/", DocumentReview.as_view(), name="api-document-review"),
    path("projects/<int:project_pk>/annotations/<int:pk>/reject/", RejectAnnotation.as_view(), name="api-annotation-reject"),
    path("projects/<int:project_pk>/agreement/", Agreement.as_view(), name="api-agreement"),
    path("projects/<int:project_pk>/tasks/next/", NextTask.as_view(), name="api-task-next"),
    path("projects/<int:project_pk>/tasks/undo/", UndoTask.as_view(), name="api-task-undo"),
    path("projects/<int:project_pk>/documents/<int:pk>/annotation/", DocumentAnnotation.as_view(),
         name="api-document-annotation"),
    path("projects/<int:project_pk>/documents/<int:pk>/skip/", SkipDocument.as_view(), name="api-document-skip"),
    path("projects/<int:project_pk>/snapshots/", SnapshotList.as_view(), name="api-snapshot-list"),
    path("projects/<int:project_pk>/snapshots/<int:pk>/", SnapshotDetail.as_view(), name="api-snapshot-detail"),
    path("projects/<int:project_pk>/snapshots/<int:pk>/download/", SnapshotDownload.as_view(),
         name="api-snapshot-download"),
    path("projects/<int:project_pk>/export/", LabelExport.as_view(), name="api-label-export"),
    path("projects/<int:project_pk>/corpora/<int:pk>/clean/", CleanCorpus.as_view(), name="api-corpus-clean"),
    path("projects/<int:project_pk>/cleaning/defaults/", RecipeDefaults.as_view(), name="api-cleaning-defaults"),
    path("projects/<int:project_pk>/cleaning/recipes/", RecipeList.as_view(), name="api-recipe-list"),
    path("projects/<int:project_pk>/cleaning/recipes/<int:pk>/", RecipeDetail.as_view(), name="api-recipe-detail"),
    path("projects/<int:project_pk>/cleaning/runs/", RunList.as_view(), name="api-cleaning-runs"),
    path("projects/<int:project_pk>/cleaning/runs/<int:pk>/", RunDetail.as_view(), name="api-cleaning-run"),
    path("projects/<int:project_pk>/cleaning/runs/<int:pk>/clusters/", RunClusters.as_view(),
         name="api-cleaning-clusters"),
    path("projects/<int:project_pk>/pretraining/", PretrainingList.as_view(), name="api-pretraining-list"),
    path("projects/<int:project_pk>/pretraining/defaults/", PretrainingDefaults.as_view(),
         name="api-pretraining-defaults"),
    path("projects/<int:project_pk>/models/", ModelList.as_view(), name="api-model-list"),
    path("projects/<int:project_pk>/finetuning/", FinetuningList.as_view(), name="api-finetuning-list"),
    path("projects/<int:project_pk>/finetuning/defaults/", FinetuningDefaults.as_view(),
         name="api-finetuning-defaults"),
    path("projects/<int:project_pk>/evaluations/", EvaluationList.as_view(), name="api-evaluation-list"),
    path("projects/<int:project_pk>/evaluations/compare/", EvaluationComparison.as_view(),
         name="api-evaluation-compare"),
    path("projects/<int:project_pk>/evaluations/<int:pk>/", EvaluationDetail.as_view(), name="api-evaluation"),
    path("projects/<int:project_pk>/model-versions/<int:pk>/", ModelVersionDetail.as_view(), name="api-model-version"),
    path("projects/<int:project_pk>/model-versions/<int:pk>/download/", ModelVersionDownload.as_view(),
         name="api-model-version-download"),
    path("projects/<int:project_pk>/model-versions/<int:pk>/promotion/", PromotionCase.as_view(),
         name="api-model-version-promotion"),
    path("projects/<int:project_pk>/model-versions/<int:pk>/aliases/", AliasMove.as_view(),
         name="api-model-version-aliases"),
    path("projects/<int:project_pk>/model-versions/<int:pk>/predict-corpus/", PredictCorpus.as_view(),
         name="api-model-version-predict-corpus"),
    path("projects/<int:project_pk>/models/<int:pk>/history/", AliasHistory.as_view(), name="api-model-history"),
    path("projects/<int:project_pk>/models/<int:pk>/rollback/", Rollback.as_view(), name="api-model-rollback"),
    path("projects/<int:project_pk>/retrain-policy/", RetrainPolicyDetail.as_view(), name="api-retrain-policy"),
    path("projects/<int:project_pk>/retrain-policy/run/", RetrainNow.as_view(), name="api-retrain-now"),
    re_path(r"^projects/(?P<project_pk>[0-9]+)/predict/?$", Predict.as_view(), name="api-predict"),
    path("projects/<int:project_pk>/pools/", PoolList.as_view(), name="api-pool-list"),
    path("projects/<int:project_pk>/pools/<int:pk>/", PoolDetail.as_view(), name="api-pool-detail"),
    path("projects/<int:project_pk>/predictions/", PredictionList.as_view(), name="api-prediction-list"),
    path("projects/<int:project_pk>/documents/<int:pk>/predictions/", DocumentPredictions.as_view(),
         name="api-document-predictions"),
    path("schema/", SpectacularJSONAPIView.as_view(), name="api-schema"),
    # A page for people: anonymous visitors go to the login page like everywhere else.
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="project-list"), name="home"),
    path("healthz/", health.healthz, name="healthz"),
    path("accounts/login/", auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/token/", auth.api_token, name="api-token"),
    path("system/status/", admin_pages.status_page, name="system-status"),
    path("system/queue-checks/", admin_pages.queue_check_create, name="queue-check-create"),
    path("system/queue-checks/<int:pk>/", admin_pages.queue_check_detail, name="queue-check-detail"),
    path("system/audit/", admin_pages.audit_log, name="audit-log"),
    path("jobs/", jobs.job_list, name="job-list"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job-detail"),
    path("jobs/<int:pk>/cancel/", jobs.job_cancel, name="job-cancel"),
    path("jobs/<int:pk>/retry/", jobs.job_retry, name="job-retry"),
    path("django-admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("", include("labeling.urls")),
    path("", include("training.urls")),
]

handler400 = "studio.views.errors.bad_request"
handler403 = "studio.views.errors.permission_denied"
handler404 = "studio.views.errors.not_found"
handler500 = "studio.views.errors.server_error"
