from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import render


def csrf_failure(request, reason=""):
    message = (
        "This form was not accepted because its security token is missing or out of date. "
        "Reload the page and submit it again; nothing was changed."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=403)
    return render(request, "studio/error.html", {"title": "Form expired", "message": message}, status=403)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "studio/error.html", {"title": "Not found", "message": "There is nothing here, or you may not see it."}, status=404)


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "You do not have permission to do this."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=403)
    return render(request, "studio/error.html", {"title": "Not allowed", "message": message}, status=403)


def server_error(request):
    message = "The studio failed to handle this request. The error has been logged; nothing you entered was lost."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=500)
    return render(request, "studio/error.html", {"title": "Server error", "message": message}, status=500)


def bad_request(request, exception=None):
    message, status = "The request could not be understood.", 400
    if isinstance(exception, RequestDataTooBig):
        message = (f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes "
                   "(DATA_UPLOAD_MAX_MEMORY_SIZE); send less at a time.")
        status = 413
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "studio/error.html", {"title": "Bad request", "message": message}, status=status)
