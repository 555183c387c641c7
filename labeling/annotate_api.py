"""The annotation loop through the API (next document, submit, skip, undo: any member) and agreement."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .access import get_document, get_project
from .api import PROJECT_PK
from .models import Annotation, Role
from .serializers import AgreementSerializer, AnnotationSerializer, SubmitSerializer, TaskSerializer
from .services import agreement, tasks



class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "stale_annotation"


def task_data(user, project, assignment):
    return TaskSerializer({"document": assignment.document, "reserved_until": assignment.reserved_until,
                           **tasks.task_state(user, project, assignment)}).data


@extend_schema(parameters=[PROJECT_PK])
class NextTask(APIView):
    """The document to label next: your running reservation, or a new one. 204 when none is left for you."""

    @extend_schema(responses={200: TaskSerializer, 204: None})
    def get(self, request, project_pk):
        project = get_project(request.user, project_pk)
        assignment = tasks.next_assignment(request.user, project)
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(task_data(request.user, project, assignment))


@extend_schema(parameters=[PROJECT_PK])
class UndoTask(APIView):
    """Take back your last submission; answers with that document, reserved for you again."""

    @extend_schema(request=None, responses=TaskSerializer)
    def post(self, request, project_pk):
        project = get_project(request.user, project_pk)
        try:
            assignment = tasks.undo(request.user, project)
        except tasks.TaskError as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(task_data(request.user, project, assignment))


@extend_schema(parameters=[PROJECT_PK])
class DocumentAnnotation(APIView):
    """Your annotation of a document: read it, or submit labels (a change needs the version you saw)."""

    @extend_schema(responses=AnnotationSerializer)
    def get(self, request, project_pk, pk):
        document = get_document(request.user, project_pk, pk)
        annotation = Annotation.objects.filter(document=document, annotator=request.user).first()
        if annotation is None:
            return Response({"detail": "You have not labeled this document."}, status=status.HTTP_404_NOT_FOUND)
        return Response(AnnotationSerializer(annotation).data)

    @extend_schema(request=SubmitSerializer, responses={200: AnnotationSerializer, 201: AnnotationSerializer})
    def post(self, request, project_pk, pk):
        document = get_document(request.user, project_pk, pk)
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            annotation = tasks.submit(request.user, document.corpus.project, document, data["labels"],
                                      data["comment"], data["version"])
        except tasks.StaleAnnotation as error:
            raise Conflict(str(error)) from None
        except tasks.TaskError as error:
            raise ValidationError({"detail": str(error)}) from None
        created = annotation.version == 1
        return Response(AnnotationSerializer(annotation).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(parameters=[PROJECT_PK])
class SkipDocument(APIView):
    """Pass a document reserved for you on to others; you will not get it again."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request, project_pk, pk):
        document = get_document(request.user, project_pk, pk)
        try:
            tasks.skip(request.user, document.corpus.project, document)
        except tasks.TaskError as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[PROJECT_PK])
class Agreement(APIView):
    """Cohen's kappa per annotator pair; Fleiss' kappa and Krippendorff's alpha (nominal) for the project
    and per label. Reviewers and managers."""

    @extend_schema(responses=AgreementSerializer)
    def get(self, request, project_pk):
        project = get_project(request.user, project_pk, Role.REVIEWER)
        return Response(AgreementSerializer(agreement.project_agreement(project)).data)
