from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ..access import get_membership, get_project
from ..forms import MemberAddForm, RoleForm
from ..models import Role
from ..services import projects as project_service


def _is_manager(request, project):
    return request.user.is_superuser or project.has_role(Role.MANAGER)


@login_required
@require_http_methods(["GET", "POST"])
def member_list(request, pk):
    project = get_project(request.user, pk)
    form = MemberAddForm()
    if request.method == "POST":
        project = get_project(request.user, pk, Role.MANAGER)
        form = MemberAddForm(request.POST)
        if form.is_valid():
            try:
                project_service.add_member(request.user, project, form.cleaned_data["user"], form.cleaned_data["role"])
            except project_service.MembershipError as error:
                form.add_error("user", str(error))
            else:
                messages.success(request, f"{form.cleaned_data['user'].get_username()} was added as {form.cleaned_data['role']}.")
                return redirect("member-list", pk=project.pk)
    context = {
        "project": project,
        "memberships": project.memberships.select_related("user"),
        "form": form,
        "roles": Role.choices,
        "is_manager": _is_manager(request, project),
        "pools": project.pools.prefetch_related("annotators") if _is_manager(request, project) else [],
    }
    return render(request, "labeling/members.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def member_role(request, pk, member_pk):
    membership = get_membership(request.user, pk, member_pk)
    form = RoleForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            project_service.change_role(request.user, membership, form.cleaned_data["role"])
        except project_service.MembershipError as exc:
            error = str(exc)
            membership.refresh_from_db()
    else:
        error = "Choose one of the roles."
    context = {"membership": membership, "project": membership.project, "roles": Role.choices, "is_manager": True, "error": error}
    return render(request, "labeling/_member_row.html", context, status=400 if error else 200)


@login_required
@require_POST
def member_remove(request, pk, member_pk):
    membership = get_membership(request.user, pk, member_pk)
    name = membership.user.get_username()
    try:
        project_service.remove_member(request.user, membership)
    except project_service.MembershipError as error:
        if request.htmx:
            context = {"membership": membership, "project": membership.project, "roles": Role.choices, "is_manager": True, "error": str(error)}
            return render(request, "labeling/_member_row.html", context, status=400)
        messages.error(request, str(error))
        return redirect("member-list", pk=pk)
    if request.htmx:
        return HttpResponse("")
    messages.success(request, f"{name} was removed from the project.")
    return redirect("member-list", pk=pk)
