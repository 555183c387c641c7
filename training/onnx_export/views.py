"""ONNX exports from a version's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ..access import get_version
from .service import ExportError, start_export


@login_required
@require_POST
def export_onnx(request, pk, version_pk):
    version = get_version(request.user, pk, version_pk)
    try:
        job = start_export(request.user, version.registered_model.project, version, request.POST.getlist("precision"))
    except ExportError as error:
        messages.error(request, str(error))
        return redirect("model-version", pk=pk, version_pk=version.pk)
    messages.success(request, f"Exporting {version} to ONNX: each export is a new version of "
                              f"{version.registered_model.name}, evaluated when the job ends.")
    return redirect("job-detail", pk=job.pk)
