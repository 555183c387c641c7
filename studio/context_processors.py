from django.conf import settings


def studio(request):
    user = getattr(request, "user", None)
    return {
        "is_studio_admin": bool(user and user.is_authenticated and user.is_staff),
        "htmx_script": "vendor/htmx/htmx-2.0.11.min.js",
        "debug": settings.DEBUG,
    }
