"""Refuse an oversized upload while it streams in, before it fills the disk."""

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler


class UploadTooLargeError(Exception):
    pass


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Spools to a temporary file like Django's own handler, and stops past STUDIO_MAX_UPLOAD_BYTES.

    Django's parser swallows StopUpload and returns what it has, so `too_large` tells the view.
    """

    too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.STUDIO_MAX_UPLOAD_BYTES + 64 * 1024:
            self.too_large = True
            raise UploadTooLargeError()
        self.received = 0
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.STUDIO_MAX_UPLOAD_BYTES:
            self.too_large = True
            self.file.close()  # the temporary file is deleted on close
            raise StopUpload(connection_reset=True)
        return super().receive_data_chunk(raw_data, start)


def install(request):
    """Use the limited handler for this request (call before touching request.FILES or request.data)."""
    handler = LimitedUploadHandler(request)
    request.upload_handlers = [handler]
    return handler
