"""Which project tab a page belongs to, read from its path: /projects/<id>/<section>/…"""

from django import template

register = template.Library()

# A section of the project's URLs → the tab that holds it; any other section is the overview's.
SECTION_TABS = {
    "labels": "labels", "annotate": "annotate", "review": "review", "annotations": "review", "agreement": "agreement",
    "members": "members", "pools": "members", "dashboard": "dashboard", "datasets": "datasets",
    "snapshots": "datasets", "jobs": "jobs", "models": "models", "evaluations": "models",
}


@register.filter
def project_tab(path):
    parts = path.strip("/").split("/")
    return SECTION_TABS.get(parts[2], "overview") if len(parts) > 2 and parts[0] == "projects" else "overview"
