"""The annotation loop through the API: next document, submit, skip, undo (any member)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from ..access import get_document
from ..models import Annotation, Role
from ..serializers import (
    AnnotationSerializer,
    SubmitSerializer,
    TaskSerializer,
)
from ..services import tasks
from .base import ProjectAPIView


def task_data(user, project, assignment):
    return TaskSerializer({"document": assignment.document, "reserved_until": assignment.reserved_until,
                           **tasks.task_state(user, project, assignment)}).data


class NextTask(ProjectAPIView):
    """The document to label next: your running reservation, or a new one. 204 when none is left for you."""

    minimum_role = Role.ANNOTATOR

    @extend_schema(responses={200: TaskSerializer, 204: None})
    def get(self, request, project_pk):
        assignment = tasks.next_assignment(request.user, self.project)
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(task_data(request.user, self.project, assignment))


class UndoTask(ProjectAPIView):
    """Take back your last submission; answers with that document, reserved for you again."""

    minimum_role = Role.ANNOTATOR

    @extend_schema(request=None, responses=TaskSerializer)
    def post(self, request, project_pk):
        assignment = tasks.undo(request.user, self.project)
        return Response(task_data(request.user, self.project, assignment))


class DocumentAnnotation(ProjectAPIView):
    """Your annotation of a document: read it, or submit labels and spans (a change needs the version you saw)."""

    minimum_role = Role.ANNOTATOR

    @extend_schema(responses=AnnotationSerializer)
    def get(self, request, project_pk, pk):
        document = get_document(request.user, self.project, pk)
        annotation = Annotation.objects.filter(document=document, annotator=request.user).first()
        if annotation is None:
            return Response({"detail": "You have not labeled this document."}, status=status.HTTP_404_NOT_FOUND)
        return Response(AnnotationSerializer(annotation).data)

    @extend_schema(request=SubmitSerializer, responses={200: AnnotationSerializer, 201: AnnotationSerializer})
    def post(self, request, project_pk, pk):
        document = get_document(request.user, self.project, pk)
        data = self.validated(SubmitSerializer)
        annotation = tasks.submit(request.user, document.corpus.project, document, data["labels"],
                                  data["comment"], data["version"], spans=data["spans"],
                                  task_label_ids=data["task_labels"])
        created = annotation.version == 1
        return Response(AnnotationSerializer(annotation).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class SkipDocument(ProjectAPIView):
    """Pass a document reserved for you on to others; you will not get it again."""

    minimum_role = Role.ANNOTATOR

    @extend_schema(request=None, responses={204: None})
    def post(self, request, project_pk, pk):
        document = get_document(request.user, self.project, pk)
        tasks.skip(request.user, document.corpus.project, document)
        return Response(status=status.HTTP_204_NO_CONTENT)
