"""Uploading a file, mapping its columns, following the import, and browsing documents."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseStopPolling

from studio.models import Job

from .. import upload_handlers
from ..access import get_corpus, get_document, get_project, get_upload
from ..importing.formats import FORMATS, PLAIN_TEXT_FORMATS
from ..importing.sources import ImportFileError
from ..models import Corpus, Role
from ..services import imports, search

DOCUMENTS_PER_PAGE = 50


@login_required
@require_http_methods(["GET", "POST"])
def corpus_upload(request, pk):
    project = get_project(request.user, pk, Role.MANAGER)
    error = ""
    status = 200
    if request.method == "POST":
        incoming = request.FILES.get("file")
        if upload_handlers.too_large(request):
            error, status = f"The file is larger than the upload limit of {settings.STUDIO_MAX_UPLOAD_BYTES:,} bytes.", 413
        elif incoming is None:
            error, status = "Choose a file to upload.", 400
        else:
            try:
                upload = imports.store_upload(request.user, project, incoming.name, incoming.chunks())
            except (imports.UploadTooLarge, ImportFileError) as exc:
                error, status = str(exc), 400
            else:
                return redirect("upload-map", pk=project.pk, upload_pk=upload.pk)
    context = {"project": project, "error": error, "max_bytes": settings.STUDIO_MAX_UPLOAD_BYTES, "formats": FORMATS}
    return render(request, "labeling/corpus_upload.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def upload_map(request, pk, upload_pk):
    """The first rows of the upload, and the choice of text, id and metadata fields."""
    upload = get_upload(request.user, pk, upload_pk)
    chosen_format = request.POST.get("format") or request.GET.get("format") or None
    try:
        found = imports.preview(upload, chosen_format if chosen_format in FORMATS else None)
    except ImportFileError as error:
        found, problem = None, str(error)
    else:
        problem = ""
    if request.method == "POST" and found is not None:
        fields = {
            "name": request.POST.get("name", "").strip()[:120] or upload.original_name,
            "format": found["format"],
            "text_field": request.POST.get("text_field", ""),
            "id_field": request.POST.get("id_field", ""),
            "meta_fields": [field for field in request.POST.getlist("meta_fields") if field in found["columns"]],
        }
        if found["format"] not in PLAIN_TEXT_FORMATS and fields["text_field"] not in found["columns"]:
            problem = "Choose the column that holds the note text."
        elif fields["id_field"] and fields["id_field"] not in found["columns"]:
            problem = "Choose an id column from the file, or none."
        else:
            try:
                max_errors = int(request.POST.get("max_errors", 100))
            except ValueError:
                max_errors = -1
            if max_errors < 0:
                problem = "The number of rows that may fail must be a whole number, 0 or more."
            else:
                corpus, _job = imports.start_import(request.user, upload, max_errors=max_errors, **fields)
                messages.success(request, f"Importing {upload.original_name} into “{corpus.name}”.")
                return redirect("corpus-detail", pk=upload.project_id, corpus_pk=corpus.pk)
    context = {
        "project": upload.project, "upload": upload, "found": found, "problem": problem, "formats": FORMATS,
        "plain_text": found is not None and found["format"] in PLAIN_TEXT_FORMATS,
        "suggested": imports.suggested_mapping(found["columns"]) if found else {},
        "name": request.POST.get("name", upload.original_name.rsplit(".", 1)[0]),
    }
    return render(request, "labeling/upload_map.html", context, status=400 if problem and request.method == "POST" else 200)


@login_required
@require_GET
def corpus_detail(request, pk, corpus_pk):
    corpus = get_corpus(request.user, pk, corpus_pk)
    job = Job.objects.filter(kind="import", params__corpus_id=corpus.pk).order_by("-id").first()
    if request.htmx and request.GET.get("fragment") == "status":
        response = render(request, "labeling/_corpus_status.html", {"corpus": corpus, "job": job})
        if corpus.status != Corpus.Status.IMPORTING:
            response["HX-Refresh"] = "true"  # the import ended: show the documents
            response.status_code = HttpResponseStopPolling.status_code
        return response
    try:
        after = max(int(request.GET.get("after", 0)), 0)
    except ValueError:
        after = 0
    query = request.GET.get("q", "").strip()[:200]
    documents = search.matching(corpus.documents.filter(id__gt=after), query).order_by("id")
    page = list(documents[: DOCUMENTS_PER_PAGE + 1])
    context = {
        "project": corpus.project, "corpus": corpus, "job": job, "query": query,
        "documents": page[:DOCUMENTS_PER_PAGE],
        "next_after": page[DOCUMENTS_PER_PAGE - 1].pk if len(page) > DOCUMENTS_PER_PAGE else None,
        "is_manager": request.user.is_superuser or corpus.project.has_role(Role.MANAGER),
    }
    return render(request, "labeling/corpus_detail.html", context)


@login_required
@require_GET
def document_detail(request, pk, document_pk):
    document = get_document(request.user, pk, document_pk)
    return render(request, "labeling/document_detail.html", {"project": document.corpus.project, "document": document})
