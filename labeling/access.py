"""The one scoped lookup per object type, used by HTML views and the API alike.

An object the user may not see is a 404, never a 403, so ids do not leak. A 403 means
the user sees the object but their role does not allow the action.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Value
from django.http import Http404

from studio import audit, users

from .models import Document, Label, Project, Role, SpanLabel


def get_project(user, pk, minimum=Role.ANNOTATOR, *, admins=False):
    """The project with this pk that the user may see — or a project already looked up that way
    (an API view's `self.project`), checked again for `minimum` without another query.

    `admins`: studio admins reach the project as managers even where they hold no such role (the Models tab and
    the registry, where they promote and roll back); each such visit is audited."""
    if isinstance(pk, Project):
        project = pk
    else:
        try:
            project = Project.objects.for_user(user).get(pk=pk)
        except (Project.DoesNotExist, ValueError, TypeError):
            if admins and users.is_studio_admin(user):
                return _admin_reach(user, pk)
            raise Http404("No such project.") from None
    if not (user.is_superuser or project.has_role(minimum)):
        if admins and users.is_studio_admin(user):
            return _admin_reach(user, project.pk)
        raise PermissionDenied(f"This needs the {Role(minimum).label.lower()} role in the project.")
    return project


def _admin_reach(user, pk):
    project = one_of(Project.objects.annotate(user_role=Value(Role.MANAGER.value)), pk, "project")
    project.admin_reach = True
    audit.record(user, "project.admin_access", project, project_id=project.pk)
    return project


can_create_projects = users.can_create_projects  # the shell's rule, for labeling's views


def one_of(queryset, pk, what):
    """The object with this pk in an already scoped queryset, or a 404 naming what was asked for."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No such {what}.") from None


def in_project(user, project_pk, minimum, related, pk, what, *, admins=False):
    """The object with this pk among `related(project)`; it keeps the project, with the user's role, as `.project`.
    `admins` as for get_project."""
    project = get_project(user, project_pk, minimum, admins=admins)
    found = one_of(related(project), pk, what)
    found.project = project
    return found


def get_membership(user, project_pk, pk, minimum=Role.MANAGER):
    project = get_project(user, project_pk, minimum)
    return one_of(project.memberships.select_related("user", "project"), pk, "member")


def get_upload(user, project_pk, pk):
    return in_project(user, project_pk, Role.MANAGER, lambda project: project.uploads.all(), pk, "upload")


def get_corpus(user, project_pk, pk, minimum=Role.ANNOTATOR):
    return in_project(user, project_pk, minimum, lambda project: project.corpora.all(), pk, "corpus")


def get_document(user, project_pk, pk, minimum=Role.ANNOTATOR):
    project = get_project(user, project_pk, minimum)
    document = one_of(Document.objects.select_related("corpus").filter(corpus__project=project), pk, "document")
    document.corpus.project = project  # keeps the user's role on it
    return document


def get_label(user, project_pk, pk, minimum=Role.MANAGER, span=False):
    """A label of the project (with `span`, a span label)."""
    project = get_project(user, project_pk, minimum)
    model = SpanLabel if span else Label
    label = one_of(model.objects.select_related("schema").filter(schema__project=project), pk,
                   "span label" if span else "label")
    label.schema.project = project  # keeps the user's role on it
    return label


def get_task(user, project_pk, pk, minimum=Role.MANAGER):
    """A named task of the project."""
    return in_project(user, project_pk, minimum, lambda project: project.named_tasks, pk, "task")


def get_pool(user, project_pk, pk):
    return in_project(user, project_pk, Role.MANAGER, lambda project: project.pools.all(), pk, "annotator pool")


def get_snapshot(user, project_pk, pk, minimum=Role.REVIEWER):
    """Snapshots hold every resolved label: reviewers and managers only."""
    return in_project(user, project_pk, minimum, lambda project: project.snapshots.all(), pk, "snapshot")
