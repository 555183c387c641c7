"""Settings for the test suite: the same stack as local, with fast password hashing.

The database and broker come from DATABASE_URL and CELERY_BROKER_URL like everywhere
else, so CI runs this suite against PostgreSQL and Redis.
"""

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, DATABASES, VAR_DIR, filesystem_broker_options
from .env import env_int, env_path, env_str

SECRET_KEY = env_str("SECRET_KEY", "test-only-secret-key-not-for-any-deployment-0123456789")
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a real worker process sees what the tests write.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test" / "test-studio.sqlite3")}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Apart from what `make run` uses on the same machine.
TEST_VAR_DIR = VAR_DIR / "test"
STUDIO_ARTIFACTS_DIR = env_path("STUDIO_ARTIFACTS_DIR", TEST_VAR_DIR / "artifacts")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(TEST_VAR_DIR / "broker")

# Jobs run in-process by tests sit inside the test's transaction, which the reporter's
# writer thread (its own connection) cannot see: keep it idle there. Real worker processes
# started by tests get short intervals through their environment.
STUDIO_REPORTER_INTERVAL_SECONDS = env_int("STUDIO_REPORTER_INTERVAL_MS", 600_000, minimum=10) / 1000
STUDIO_RESERVATION_SWEEP_SECONDS = 0  # tests expire reservations and expect them back at once
STUDIO_JOB_HEARTBEAT_SECONDS = env_int("STUDIO_JOB_HEARTBEAT_SECONDS", 600, minimum=1)
