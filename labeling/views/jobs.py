from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from studio.jobs import kinds
from studio.jobs import service as jobs_service
from studio.jobs.forms import params_form
from studio.views.jobs import render_job_table

from ..access import get_project
from ..models import Role


@login_required
@require_http_methods(["GET", "POST"])
def project_jobs(request, pk):
    """The project's jobs with live progress; managers start jobs here."""
    project = get_project(request.user, pk, Role.MANAGER)
    selftest = kinds.get("selftest")
    form = params_form(selftest, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        job = jobs_service.start_job(request.user, selftest.name, form.params, project=project)
        messages.success(request, f"Started {selftest.label.lower()} #{job.pk}.")
        return redirect("project-jobs", pk=project.pk)
    context = {"project": project, "form": form, "start_kind": selftest}
    return render_job_table(request, project.jobs.all(), "labeling/project_jobs.html", context)
