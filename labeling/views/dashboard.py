"""The manager's dashboard for a project."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from studio import charts

from ..access import get_project
from ..models import Role
from ..services import dashboard


@login_required
@require_GET
def dashboard_page(request, pk):
    project = get_project(request.user, pk, Role.MANAGER)
    found = dashboard.figures(project)
    chart = charts.bar_chart("Labels given", [(row["name"], row["count"]) for row in found["labels"]])
    return render(request, "labeling/dashboard.html", {"project": project, "figures": found, "label_chart": chart})
