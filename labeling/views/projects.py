from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ..access import can_create_projects, get_project
from ..forms import ProjectEditForm, ProjectForm
from ..models import Corpus, Membership, Project, Role
from ..services import projects as project_service


@login_required
@require_GET
def project_list(request):
    # Counted in a subquery: for_user's join on the viewer's own membership would make every count 1.
    members = Membership.objects.filter(project=OuterRef("pk")).order_by().values("project").annotate(
        count=Count("id")).values("count")
    projects = (Project.objects.for_user(request.user)
                .annotate(member_count=Coalesce(Subquery(members), 0)).order_by("-created_at", "-id"))
    page = Paginator(projects, 25).get_page(request.GET.get("page"))
    return render(request, "labeling/project_list.html", {"page": page, "can_create": can_create_projects(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    if not can_create_projects(request.user):
        raise PermissionDenied("Only managers can create projects.")
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = project_service.create_project(request.user, **form.cleaned_data)
        messages.success(request, f"Project “{project.name}” was created. You are its manager.")
        return redirect("project-detail", pk=project.pk)
    return render(request, "labeling/project_form.html", {"form": form, "project": None})


@login_required
@require_GET
def project_detail(request, pk):
    project = get_project(request.user, pk)
    corpora = list(project.corpora.order_by("-created_at"))
    queued = [corpus for corpus in corpora if corpus.role == Corpus.Role.QUEUE and corpus.status == Corpus.Status.READY]
    schema = getattr(project, "label_schema", None)
    context = {
        "project": project,
        "corpora": corpora,
        "document_total": sum(corpus.document_count for corpus in queued),
        "queued_count": len(queued),
        "schema": schema,
        "labels": schema.labels.all() if schema else [],
        "members_by_role": {
            Role(row["role"]).label: row["count"]
            for row in project.memberships.values("role").annotate(count=Count("id")).order_by("role")
        },
        "is_manager": project.has_role(Role.MANAGER) or request.user.is_superuser,
    }
    return render(request, "labeling/project_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk):
    project = get_project(request.user, pk, Role.MANAGER)
    # The form edits a copy: a rejected form must not change the project the page shows.
    form = ProjectEditForm(request.POST or None, project=project, instance=Project(
        **{field: getattr(project, field) for field in project_service.EDITABLE_FIELDS}))
    if request.method == "POST" and form.is_valid():
        project_service.update_project(request.user, project, **form.cleaned_data)
        messages.success(request, "Project saved.")
        return redirect("project-detail", pk=project.pk)
    return render(request, "labeling/project_form.html", {"form": form, "project": project})
