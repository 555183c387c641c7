"""Uploading a file, mapping its columns, following the import, and browsing documents."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from studio.models import Job

from .. import upload_handlers
from ..access import get_corpus, get_document, get_project, get_upload
from ..forms import CorpusRoleForm
from ..importing.formats import FORMATS, PLAIN_TEXT_FORMATS
from ..importing.sources import ImportFileError
from ..models import Corpus, Document, Role
from ..services import browse, corpora, imports, search, uploads

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
                upload = uploads.store_upload(request.user, project, incoming.name, incoming.chunks())
            except (uploads.UploadTooLarge, ImportFileError) as exc:
                error, status = str(exc), 400
            else:
                return redirect("upload-map", pk=project.pk, upload_pk=upload.pk)
    return _upload_page(request, project, error, status)


def _upload_page(request, project, error="", status=200, server_error=""):
    context = {"project": project, "error": error, "server_error": server_error,
               "max_bytes": settings.STUDIO_MAX_UPLOAD_BYTES, "formats": FORMATS}
    if request.user.is_superuser:
        context["server_dirs"] = uploads.server_import_dirs()
        context["server_files"] = uploads.server_files()
    return render(request, "labeling/corpus_upload.html", context, status=status)


@login_required
@require_POST
def corpus_server_file(request, pk):
    """An admin names a file on the server to import in place."""
    project = get_project(request.user, pk, Role.MANAGER)
    if not request.user.is_superuser:
        raise PermissionDenied("Only admins may import files from the server.")
    try:
        upload = uploads.register_server_file(request.user, project, request.POST.get("path", ""))
    except ImportFileError as error:
        return _upload_page(request, project, status=400, server_error=str(error))
    return redirect("upload-map", pk=project.pk, upload_pk=upload.pk)


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
            "label_fields": [field for field in request.POST.getlist("label_fields") if field in found["columns"]],
            "label_delimiter": request.POST.get("label_delimiter", "")[:5],
            "span_field": request.POST.get("span_field", "") if request.POST.get("span_field") in found["columns"]
            else "",
        }
        fields["label_values"] = _label_values(request.POST, fields["label_fields"])
        warning = found["warnings"].get(fields["text_field"]) if found["format"] not in PLAIN_TEXT_FORMATS else ""
        if found["format"] not in PLAIN_TEXT_FORMATS and fields["text_field"] not in found["columns"]:
            problem = "Choose the column that holds the note text."
        elif warning and request.POST.get("allow_short_text") != "yes":
            problem = f"{warning} To import it as it is, tick “Import this column as the text anyway”."
        elif fields["id_field"] and fields["id_field"] not in found["columns"]:
            problem = "Choose an id column from the file, or none."
        elif fields["text_field"] in fields["label_fields"]:
            problem = "The text column cannot also be a label column."
        elif fields["span_field"] and fields["span_field"] in (fields["text_field"], *fields["label_fields"]):
            problem = "The spans column cannot also be the text or a label column."
        else:
            try:
                max_errors = int(request.POST.get("max_errors", 100))
            except ValueError:
                max_errors = -1
            if max_errors < 0:
                problem = "The number of rows that may fail must be a whole number, 0 or more."
            else:
                try:
                    corpus, _job = imports.start_import(request.user, upload, max_errors=max_errors, **fields)
                except ImportFileError as error:
                    problem = str(error)
                else:
                    messages.success(request, f"Importing {upload.original_name} into “{corpus.name}”.")
                    return redirect("corpus-detail", pk=upload.project_id, corpus_pk=corpus.pk)
    suggested = found["suggested"] if found else {}
    if request.method == "POST" and found is not None:  # the form shows what was chosen, not the guess again
        suggested = {"text_field": request.POST.get("text_field", ""), "id_field": request.POST.get("id_field", ""),
                     "label_fields": request.POST.getlist("label_fields"),
                     "span_field": request.POST.get("span_field")}
    context = {
        "project": upload.project, "upload": upload, "found": found, "problem": problem, "formats": FORMATS,
        "plain_text": found is not None and found["format"] in PLAIN_TEXT_FORMATS,
        "suggested": suggested,
        "text_warning": found["warnings"].get(suggested.get("text_field"), "") if found else "",
        "text_choices": [(column, found["warnings"].get(column, "")) for column in found["columns"]] if found else [],
        "value_columns": _value_columns(found, request.POST) if found else [],
        "name": request.POST.get("name", upload.original_name.rsplit(".", 1)[0]),
        "label_delimiter": request.POST.get("label_delimiter", ""),
    }
    return render(request, "labeling/upload_map.html", context, status=400 if problem and request.method == "POST" else 200)


def _label_values(post, label_fields):
    """{value: name} from the form's value rows of the chosen label columns."""
    rows = zip(post.getlist("value_column"), post.getlist("value"), post.getlist("value_name"), strict=False)
    return {value: name.strip() for column, value, name in rows if column in label_fields and name.strip()}


def _value_columns(found, post):
    """The short columns (codes) with few enough distinct values to name each, with the names typed so far."""
    typed = {(column, value): name for column, value, name in
             zip(post.getlist("value_column"), post.getlist("value"), post.getlist("value_name"), strict=False)}
    return [{"column": column, "values": [(value, typed.get((column, value), "")) for value in info["values"]]}
            for column, info in found["profile"].items() if info["values"] and column in found["warnings"]]


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
    may_filter_labels = browse.may_filter_labels(request.user, corpus.project)
    try:
        document_filter = browse.DocumentFilter.from_params(request.GET, may_filter_labels)
        after = browse.whole_number(request.GET, "after") or 0
    except browse.FilterError as error:
        document_filter, after, problem = browse.DocumentFilter(), 0, str(error)
    else:
        problem = ""
    documents, next_after = browse.page(corpus, document_filter, after, DOCUMENTS_PER_PAGE)
    filter_params = document_filter.as_params()
    if list(filter_params) == ["q"]:
        empty_message = "No document has all of these words."
    else:
        empty_message = "No document matches these filters." if filter_params else "No documents."
    schema = getattr(corpus.project, "label_schema", None)
    context = {
        "project": corpus.project, "corpus": corpus, "job": job, "filter": document_filter, "problem": problem,
        "filter_params": urlencode(filter_params), "empty_message": empty_message, "documents": documents, "next_after": next_after,
        "splits": Document.Split.choices, "may_filter_labels": may_filter_labels,
        "labels": list(schema.labels.all()) if schema and may_filter_labels else [],
        "annotators": corpus.project.memberships.select_related("user") if may_filter_labels else [],
        "is_manager": request.user.is_superuser or corpus.project.has_role(Role.MANAGER),
        "role_form": CorpusRoleForm(initial={"role": corpus.role}),
        "replaced_by": corpus.derived.filter(kind=Corpus.Kind.CLEANED, role=Corpus.Role.QUEUE).first(),
        "search_pending": search.pending(corpus),
    }
    return render(request, "labeling/corpus_detail.html", context, status=400 if problem else 200)


@login_required
@require_POST
def corpus_role(request, pk, corpus_pk):
    """A manager puts the corpus in the labeling queue or keeps it aside."""
    corpus = get_corpus(request.user, pk, corpus_pk, Role.MANAGER)
    form = CorpusRoleForm(request.POST)
    if form.is_valid():
        corpora.set_role(request.user, corpus, form.cleaned_data["role"])
        messages.success(request, f"“{corpus.name}”: {corpus.get_role_display().lower()}.")
    else:
        messages.error(request, "Choose a role for the corpus.")
    return redirect("corpus-detail", pk=corpus.project_id, corpus_pk=corpus.pk)


@login_required
@require_GET
def document_detail(request, pk, document_pk):
    document = get_document(request.user, pk, document_pk)
    project = document.corpus.project
    # Annotators never see what other annotators said; reviewers and managers do.
    annotations = (document.annotations.select_related("annotator").prefetch_related("labels")
                   if browse.may_filter_labels(request.user, project) else None)
    return render(request, "labeling/document_detail.html",
                  {"project": project, "document": document, "annotations": annotations})
