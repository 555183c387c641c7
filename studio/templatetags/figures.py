"""Template filters for numbers people read: {{ value|figure }}, {{ seconds|duration }}, {{ key|metric_name }}."""

from django import template

from .. import figures

register = template.Library()
register.filter("figure", figures.figure)
register.filter("duration", figures.duration)
register.filter("metric_name", figures.metric_name)
