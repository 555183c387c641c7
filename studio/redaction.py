"""Keep secrets out of job errors, tracebacks and logs that managers read."""

import os
import re

from django.conf import settings

_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<password>[^@/\s]+)@", re.I)
_SECRET_NAMES = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL", re.I)
_MIN_SECRET_LENGTH = 6


def _secret_values():
    values = {settings.SECRET_KEY}
    values.update(value for name, value in os.environ.items() if _SECRET_NAMES.search(name))
    return sorted((value for value in values if value and len(value) >= _MIN_SECRET_LENGTH), key=len, reverse=True)


def redact(text):
    if not text:
        return text
    text = _URL_CREDENTIALS.sub(r"\g<scheme>\g<user>:***@", text)
    for value in _secret_values():
        text = text.replace(value, "***")
    return text
