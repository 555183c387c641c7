"""Refuse an oversized upload while it streams in, before it fills the disk.

Installed for every multipart request by `LimitedUploadMiddleware`, ahead of the CSRF
middleware, which reads the request body (and so the upload) before any view runs.
"""

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Spools to a temporary file like Django's own handler, and stops past STUDIO_MAX_UPLOAD_BYTES.

    Django's parser swallows StopUpload and returns the other fields, so views read `too_large`.
    """

    too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        # A declared length past the limit (with room for the form's other fields) stops at the first chunk.
        self.too_large = bool(content_length and content_length > settings.STUDIO_MAX_UPLOAD_BYTES + 64 * 1024)
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.too_large or self.received > settings.STUDIO_MAX_UPLOAD_BYTES:
            self.too_large = True
            self.file.close()  # the temporary file is deleted on close
            # Read and drop the rest of the body (no disk), so that the client gets the answer.
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)


def too_large(request):
    """Did this request's upload go past the limit?"""
    return any(getattr(handler, "too_large", False) for handler in request.upload_handlers)


class LimitedUploadMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.content_type == "multipart/form-data":
            request.upload_handlers = [LimitedUploadHandler(request)]
        return self.get_response(request)
