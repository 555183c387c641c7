"""Settings for one machine: `make run`, SQLite in WAL mode and the filesystem broker."""

from .base import *  # noqa: F403
from .env import env_bool, env_list

# Off by default, so that a missing page or a failure shows the studio's own pages, as in production; the
# errors still reach the console log. DEBUG=1 brings Django's debug pages back.
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
# Without DEBUG, runserver serves no static files: WhiteNoise serves them from the apps' folders instead,
# with no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
