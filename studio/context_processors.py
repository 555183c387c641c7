from django.conf import settings

from .users import is_studio_admin


def studio(request):
    user = getattr(request, "user", None)
    return {
        "is_studio_admin": is_studio_admin(user),
        "htmx_script": "vendor/htmx/htmx-2.0.11.min.js",
        "debug": settings.DEBUG,
    }
