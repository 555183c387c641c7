"""The base of every API view under /api/projects/<project_pk>/: the project and the user's role on it
are resolved once, by a permission class, before the handler runs (`self.project`).

A project the user may not see is a 404; a role below the one the method needs is a 403 (see access).
`minimum_role` is the role every method needs; `method_roles` names methods that need another."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.views import APIView

from ..access import get_project
from ..models import Role

PROJECT_PK = OpenApiParameter("project_pk", int, OpenApiParameter.PATH, description="The project's id.")


class HasProjectRole(BasePermission):
    """The user holds the view's role for this method in the project of the URL (404 for outsiders)."""

    def has_permission(self, request, view):
        minimum = view.method_roles.get(request.method, view.minimum_role)
        view.project = get_project(request.user, view.kwargs["project_pk"], minimum, admins=view.admins)
        return True


@extend_schema(parameters=[PROJECT_PK])
class ProjectAPIView(APIView):
    minimum_role = Role.MANAGER
    method_roles = {}
    admins = False  # True: studio admins reach it in every project (see access.get_project)
    permission_classes = [IsAuthenticated, HasProjectRole]

    def validated(self, serializer_class):
        """The request's body checked by `serializer_class`: its validated data, or a 400 naming each bad field."""
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
