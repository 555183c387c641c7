"""Markdown written by project members, rendered without any raw HTML or script links; a note with a model's
explanation marked in it."""

from django import template
from django.utils.html import escape
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


def _lines(text):
    return escape(text).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


@register.filter
def explained(text, explanation):
    """The note (escaped, line breaks kept as `linebreaksbr` keeps them) with its explanation's words marked:
    <mark class="towards"> pushed the model towards the label, <mark class="away"> away; each word's weight in its
    title."""
    label = (explanation or {}).get("label", "")
    pieces, last = [], 0
    for word in sorted((explanation or {}).get("words") or [], key=lambda word: word["start"]):
        start, end, weight = word["start"], word["end"], word["weight"]
        if start < last or end > len(text):
            continue
        way = "towards" if weight > 0 else "away"
        pieces += [_lines(text[last:start]), f'<mark class="{way}" title="{escape(way)} {escape(label)}: '
                                             f'{weight:+.3f}">{_lines(text[start:end])}</mark>']
        last = end
    pieces.append(_lines(text[last:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of the note is escaped
