"""One way to show a moment on every page: relative when recent ("3 min ago"), else the date and time with the
time zone; always inside <time datetime="…"> with the full date in its title."""

from datetime import date, datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html

register = template.Library()

RECENT = timedelta(hours=24)
FULL = "%A %-d %B %Y, %H:%M:%S %Z"
SHORT = "%-d %b %Y, %H:%M %Z"


def _ago(seconds):
    seconds = int(abs(seconds))
    if seconds < 60:
        return "just now" if seconds < 10 else f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def describe(moment, now=None):
    """The text a person reads for `moment` (an aware datetime): relative within a day, else the short date."""
    now = now or timezone.now()
    delta = (now - moment).total_seconds()
    if abs(delta) < RECENT.total_seconds():
        text = _ago(delta)
        if text == "just now":
            return text
        return f"{text} ago" if delta >= 0 else f"in {text}"
    return timezone.localtime(moment).strftime(SHORT)


@register.filter
def when(value):
    """`{{ job.queued_at|when }}`: a datetime (or ISO text) as <time>; a plain date as one; nothing for None."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = parse_datetime(value)
        if value is None:
            return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_html('<time datetime="{}">{}</time>', value.isoformat(), value.strftime("%-d %b %Y"))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    local = timezone.localtime(value)
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), local.strftime(FULL),
                       describe(value))
