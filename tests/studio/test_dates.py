"""One way to show a moment: relative within a day, else the date with its time zone; the full date in the title."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from studio.templatetags.studio_dates import describe, when

NOW = datetime(2026, 12, 1, 14, 3, 5, tzinfo=UTC)


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(seconds=3), "just now"), (timedelta(seconds=42), "42 s ago"),
    (timedelta(minutes=3, seconds=5), "3 min ago"),
    (timedelta(hours=5, minutes=59), "5 h ago"), (timedelta(minutes=-10), "in 10 min"),
    (timedelta(days=2), "29 Nov 2026, 14:03 UTC"),
])
def test_recent_moments_are_relative_and_older_ones_dated(delta, text):
    assert describe(NOW - delta, now=NOW) == text


def test_the_markup_carries_the_machine_date_and_the_full_date(settings):
    settings.TIME_ZONE = "Europe/Paris"
    with timezone.override("Europe/Paris"):
        html = str(when(NOW - timedelta(days=3)))
    assert html == ('<time datetime="2026-11-28T14:03:05+00:00" title="Saturday 28 November 2026, 15:03:05 CET">'
                    "28 Nov 2026, 15:03 CET</time>")


def test_nothing_iso_text_and_plain_dates():
    assert when(None) == "" and when("") == ""
    assert 'datetime="2026-11-28T14:03:05+00:00"' in str(when("2026-11-28T14:03:05+00:00"))
    assert str(when(date(2026, 11, 28))) == '<time datetime="2026-11-28">28 Nov 2026</time>'


def test_templates_use_it_as_a_filter():
    rendered = Template("{% load studio_dates %}{{ at|when }}").render(Context({"at": timezone.now()}))
    assert rendered.startswith("<time datetime=") and ">just now</time>" in rendered
