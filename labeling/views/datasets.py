"""The Datasets tab (managers): snapshots of the labels (make, watch, inspect, download) and exports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from studio import artifacts, charts

from ..access import get_project, get_snapshot
from ..downloads import export_response, snapshot_file_response
from ..forms import SnapshotForm
from ..models import Role, SpanLabel
from ..services import exports, snapshots


@login_required
@require_http_methods(["GET", "POST"])
def dataset_list(request, pk):
    project = get_project(request.user, pk, Role.MANAGER)
    form = SnapshotForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            snapshot = snapshots.start_snapshot(request.user, project, **form.cleaned_data)
        except snapshots.SnapshotError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Snapshot {snapshot.name!r} is being written.")
            return redirect("snapshot-detail", pk=project.pk, snapshot_pk=snapshot.pk)
    context = {"project": project, "form": form, "snapshots": project.snapshots.select_related("job", "created_by", "task"),
               "formats": [fmt for fmt in exports.FORMATS if fmt != "conll"], "contents": exports.CONTENTS,
               "spans": SpanLabel.objects.filter(schema__project=project).exists()}
    return render(request, "labeling/datasets.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def snapshot_detail(request, pk, snapshot_pk):
    snapshot = get_snapshot(request.user, pk, snapshot_pk, Role.MANAGER)
    labels = sorted({label for split in snapshot.counts.values() for label in split})
    table = [(label, [snapshot.counts.get(split, {}).get(label, 0) for split in snapshots.SPLITS]) for label in labels]
    sizes = charts.bar_chart("Documents per split", [(split, snapshot.split_sizes[split]) for split in
                                                      snapshots.SPLITS]) if snapshot.split_sizes else ""
    return render(request, "labeling/snapshot_detail.html", {
        "project": snapshot.project, "snapshot": snapshot, "table": table, "splits": snapshots.SPLITS,
        "split_chart": sizes, "spacy_files": bool(snapshot.file_name) and artifacts.store().exists(snapshot.spacy_key),
        "has_spans": snapshots.contents(snapshot)[1],
    })


@login_required
@require_GET
def snapshot_download(request, pk, snapshot_pk, spacy=False):
    snapshot = get_snapshot(request.user, pk, snapshot_pk, Role.MANAGER)
    return snapshot_file_response(request.user, snapshot, spacy=spacy)


@login_required
@require_GET
def export_labels(request, pk):
    project = get_project(request.user, pk, Role.MANAGER)
    try:
        return export_response(request.user, project, request.GET.get("format", ""), request.GET.get("content", ""))
    except exports.ExportError as error:
        messages.error(request, str(error))
        return redirect("dataset-list", pk=project.pk)
