"""Pages for studio admins (staff): system status and the audit log."""

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from .. import audit
from ..models import AuditEvent, QueueCheck
from ..services import queue_checks
from ..services.system_status import system_status
from ..users import is_studio_admin


def require_staff(view):
    """Anonymous users go to the login page; signed-in non-staff get a 403."""

    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated and not is_studio_admin(request.user):
            raise PermissionDenied("Only studio admins can see this page.")
        return staff_member_required(view, login_url="login")(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_GET
@require_staff
def status_page(request):
    if request.htmx:
        return render(request, "studio/_status.html", {"status": system_status()})
    checks = QueueCheck.objects.select_related("requested_by")[:10]
    return render(request, "studio/status.html", {"checks": checks, "queues": queue_checks.QUEUES})


@require_POST
@require_staff
def queue_check_create(request):
    queue = request.POST.get("queue", "")
    if queue not in queue_checks.QUEUES:
        return render(request, "studio/_queue_check.html", {"error": f"Unknown queue {queue!r}."}, status=400)
    check = queue_checks.request_check(request.user, queue)
    return render(request, "studio/_queue_check.html", {"check": check})


@require_GET
@require_staff
def queue_check_detail(request, pk):
    try:
        check = QueueCheck.objects.get(pk=pk)
    except QueueCheck.DoesNotExist:
        raise Http404("No such check.") from None
    response = render(request, "studio/_queue_check.html", {"check": check})
    if check.completed_at or check.error:
        response.status_code = HttpResponseStopPolling.status_code
    return response


@require_GET
@require_staff
def audit_log(request):
    project_id, verb = request.GET.get("project", ""), request.GET.get("verb", "")
    events = audit.search(project=project_id, verb=verb)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    verbs = AuditEvent.objects.order_by("verb").values_list("verb", flat=True).distinct()
    return render(request, "studio/audit.html", {"page": page, "rows": audit.readable(page), "verbs": verbs,
                                                 "verb": verb, "project_id": project_id})
