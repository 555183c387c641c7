"""The shell's own routes: sign-in, jobs, system status and audit, the API's schema and docs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from .api import (
    AuditEventList,
    JobKindList,
    JobViewSet,
    QueueCheckViewSet,
    SystemStatusView,
    UserViewSet,
)
from .views import admin_pages, auth, health, jobs, users

router = DefaultRouter()
router.register("status/queue-checks", QueueCheckViewSet, basename="api-queue-check")
router.register("jobs", JobViewSet, basename="api-job")
router.register("users", UserViewSet, basename="api-user")

api_patterns = [
    path("status/", SystemStatusView.as_view(), name="api-status"),
    path("audit-events/", AuditEventList.as_view(), name="api-audit-events"),
    path("job-kinds/", JobKindList.as_view(), name="api-job-kinds"),
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
    path("accounts/set-password/<uidb64>/<token>/", users.SetPasswordView.as_view(), name="set-password"),
    path("system/status/", admin_pages.status_page, name="system-status"),
    path("system/queue-checks/", admin_pages.queue_check_create, name="queue-check-create"),
    path("system/queue-checks/<int:pk>/", admin_pages.queue_check_detail, name="queue-check-detail"),
    path("system/audit/", admin_pages.audit_log, name="audit-log"),
    path("system/users/", users.user_list, name="user-list"),
    path("system/users/<int:pk>/", users.user_detail, name="user-detail"),
    path("system/users/<int:pk>/password-link/", users.user_password_link, name="user-password-link"),
    path("system/users/<int:pk>/active/", users.user_active, name="user-active"),
    path("system/users/<int:pk>/create-projects/", users.user_create_projects, name="user-create-projects"),
    path("jobs/", jobs.job_list, name="job-list"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job-detail"),
    path("jobs/<int:pk>/cancel/", jobs.job_cancel, name="job-cancel"),
    path("jobs/<int:pk>/retry/", jobs.job_retry, name="job-retry"),
    # The admin's own login would bypass the studio's throttle: it goes to the studio's login instead.
    path("django-admin/login/", auth.admin_login, name="admin-login"),
    path("django-admin/", admin.site.urls),
    path("api/", include(api_patterns)),
]
