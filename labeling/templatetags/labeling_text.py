"""Markdown written by project members, rendered without any raw HTML or script links."""

from django import template
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

register = template.Library()

# CommonMark with HTML switched off: tags typed into guidelines come out as text, and the
# parser itself refuses javascript:, vbscript: and data: links.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(text):
    return mark_safe(_MARKDOWN.render(text or ""))  # noqa: S308 - html is off: the output holds no raw HTML


register.filter("markdown", render_markdown)
