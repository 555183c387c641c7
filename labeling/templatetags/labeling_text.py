"""Markdown written by project members, rendered without any raw HTML or script links."""

from django import template
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

register = template.Library()

# CommonMark with HTML switched off: tags typed into guidelines come out as text, and the
# parser itself refuses javascript:, vbscript: and data: links. GitHub-style tables are on.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render_markdown(text):
    tokens = _MARKDOWN.parse(text or "")
    for token in tokens:
        # A table column's alignment comes as a style attribute, which the Content-Security-Policy refuses: a class.
        if token.type in ("th_open", "td_open") and token.attrGet("style"):
            align = str(token.attrGet("style")).removeprefix("text-align:")
            del token.attrs["style"]
            token.attrSet("class", f"align-{align}")
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    return mark_safe(html)  # noqa: S308 - html is off: the output holds no raw HTML


register.filter("markdown", render_markdown)


@register.filter
def free_key(labels, key):
    """`key` where no label has it (a label's key wins over the page's own), else ""."""
    return "" if any(label.hotkey == key for label in labels) else key
