"""The root URLconf: the shell and each app, mounted once. It only includes: each app's urls.py holds
that app's pages and its API, so the shell imports no app."""

from django.urls import include, path

urlpatterns = [
    path("", include("studio.routes")),
    path("", include("labeling.urls")),
    path("", include("training.urls")),
]

handler400 = "studio.views.errors.bad_request"
handler403 = "studio.views.errors.permission_denied"
handler404 = "studio.views.errors.not_found"
handler500 = "studio.views.errors.server_error"
