"""One base for every refusal the studio makes: a request it will not carry out, with a message a
person can act on. Services raise them; the API answers them once (`api_errors.exception_handler`)
and pages once (`middleware.RefusalMiddleware`), so no view turns an error into HTTP by hand."""


class Refusal(ValueError):
    """A request refused as asked. `status` is the HTTP status it answers with."""

    status = 400

    def __init__(self, message, status=None):
        super().__init__(message)
        if status is not None:
            self.status = status
