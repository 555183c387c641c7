"""Settings for a deployment (docker-compose.yml): PostgreSQL, Redis, HTTPS.

Refuses to start with an insecure secret or DEBUG on.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEBUG, INSECURE_DEV_SECRET_KEY, SECRET_KEY
from .env import env_bool, env_int, env_list

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production: unset DEBUG or set DEBUG=0.")


def _insecure_secret_reason(key):
    if not key or key == INSECURE_DEV_SECRET_KEY:
        return "it is unset or the development default"
    if key.startswith("django-insecure"):
        return "it starts with 'django-insecure'"
    if len(key) < 50 or len(set(key)) < 20:
        return "it is shorter than 50 characters or has fewer than 20 distinct characters (a repeated word, say)"
    return None


_reason = _insecure_secret_reason(SECRET_KEY)
if _reason:
    raise ImproperlyConfigured(
        f"SECRET_KEY is insecure ({_reason}). Generate one with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the host(s) the studio is served as.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
