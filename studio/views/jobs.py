"""Job pages: the global list for admins, and each job's page with live progress, log and curves."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from .. import figures
from ..charts import curves
from ..jobs import kinds, outputs
from ..jobs import service as jobs_service
from ..models import Job
from .admin_pages import require_staff


def get_job(user, pk):
    try:
        return Job.objects.for_user(user).select_related("created_by", "project").get(pk=pk)
    except Job.DoesNotExist:
        raise Http404("No such job.") from None


def render_job_table(request, jobs, template, context):
    """A page of jobs; for htmx polling, just the rows, and polling stops once none is active."""
    page = Paginator(jobs.select_related("created_by", "project"), 25).get_page(request.GET.get("page"))
    for job in page:
        kind = kinds.find(job.kind)
        job.kind_label = kind.label if kind else job.kind
    context = {**context, "page": page, "polling": any(not job.is_finished for job in page)}
    if request.htmx and request.GET.get("fragment") == "rows":
        response = render(request, "studio/_job_rows.html", context)
        if not context["polling"]:
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, template, context)


@require_GET
@require_staff
def job_list(request):
    jobs = Job.objects.for_user(request.user)
    status = request.GET.get("status", "")
    if status in Job.Status.values:
        jobs = jobs.filter(status=status)
    return render_job_table(request, jobs, "studio/jobs.html", {"status": status, "statuses": Job.Status.choices})


@login_required
@require_GET
def job_detail(request, pk):
    job = get_job(request.user, pk)
    kind = kinds.find(job.kind)
    first, more = curves(jobs_service.metric_series(job))
    context = {"job": job, "kind": kind, "links": outputs.job_links(job), "results": outputs.results(job),
               "curves": first, "more_curves": more}
    if request.htmx:  # the live part, polled every few seconds: no parameters, no project tabs
        response = render(request, "studio/_job_live.html", context)
        if job.is_finished:
            response.status_code = HttpResponseStopPolling.status_code
    else:
        response = render(request, "studio/job_detail.html", {
            **context, "project": _project_with_role(request.user, job),
            "params": [_param_row(job, name, value) for name, value in job.params.items()]})
    # One URL, two answers: without this the browser's Back button may show the cached fragment as the page.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _project_with_role(user, job):
    """The job's project with the viewer's role on it (for the project tabs), looked up without importing labeling."""
    if job.project_id is None:
        return None
    projects = type(job.project).objects
    return projects.for_user(user).filter(pk=job.project_id).first() or job.project


def _param_row(job, name, value):
    """(name, shown value, link) of one parameter; ids of objects link to them."""
    kind = outputs.object_type(name)
    if kind is not None:
        found = outputs.link(job.project_id, kind.name, value)
        return kind.label, found.text, found.url
    return figures.metric_name(name), figures.figure(value), ""


@login_required
@require_POST
def job_cancel(request, pk):
    job = get_job(request.user, pk)
    if cancelled := _refused_as_message(request, jobs_service.cancel_job, job):
        messages.success(request, "Cancelled." if cancelled.is_finished else
                         "Asked the job to stop; it stops at its next check.")
    return redirect("job-detail", pk=job.pk)


@login_required
@require_POST
def job_retry(request, pk):
    job = get_job(request.user, pk)
    if new := _refused_as_message(request, jobs_service.retry_job, job):
        messages.success(request, f"Started attempt {new.attempt}.")
        job = new
    return redirect("job-detail", pk=job.pk)


def _refused_as_message(request, action, job):
    """The action's result, or None with its refusal shown on the job's page."""
    try:
        return action(request.user, job)
    except jobs_service.JobStateError as error:
        messages.error(request, str(error))
        return None
