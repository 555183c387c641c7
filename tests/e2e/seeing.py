"""What a person sees in the browser: text contrast from computed colours (WCAG 2), whether an element is in
view, and axe-core's accessibility findings."""

import json
import os

from axe_playwright_python.sync_playwright import Axe

# The colour of an element's text and of what is painted behind it (the first ancestor with an opaque background).
_COLOURS = """elements => elements.map(element => {
  const style = getComputedStyle(element);
  let node = element, background = "rgb(255, 255, 255)";
  while (node) {
    const painted = getComputedStyle(node).backgroundColor;
    if (painted && !/rgba\\(.*, 0\\)$/.test(painted) && painted !== "transparent") { background = painted; break; }
    node = node.parentElement;
  }
  return {text: element.innerText.trim(), color: style.color, background: background};
})"""


def _channels(css):
    """0–255 channels of a computed colour: rgb()/rgba(), or color(srgb …) as color-mix() computes."""
    inside = css[css.index("(") + 1:css.index(")")]
    if css.startswith("color("):
        return [float(part) * 255 for part in inside.split()[1:4]]
    return [float(part) for part in inside.replace("/", ",").split(",")[:3]]


def _luminance(css):
    channels = _channels(css)
    linear = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground, background):
    lighter, darker = sorted([_luminance(foreground), _luminance(background)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def contrasts(locator):
    """(text, contrast ratio) for each element the locator finds, from the colours the browser computed."""
    return [(seen["text"], round(contrast_ratio(seen["color"], seen["background"]), 2))
            for seen in locator.evaluate_all(_COLOURS)]


def in_view(page, locator):
    """Whether the element lies wholly inside the window, with no scrolling."""
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["x"] >= 0 and \
        box["y"] + box["height"] <= size["height"] and box["x"] + box["width"] <= size["width"]


_axe = Axe()


def assert_accessible(page, where):
    """axe-core finds no serious or critical violation on the page as it is now; each page's findings are added to
    the file named by STUDIO_AXE_REPORT, when set, for a summary per page."""
    results = _axe.run(page)
    violations = results.response["violations"]
    grave = [v for v in violations if v["impact"] in ("serious", "critical")]
    report = os.environ.get("STUDIO_AXE_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as out:
            out.write(json.dumps({"page": where, "violations": {v["id"]: v["impact"] for v in violations},
                                  "nodes": sum(len(v["nodes"]) for v in violations)}) + "\n")
    assert not grave, f"{where}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes'][:3]]}" for v in grave)
