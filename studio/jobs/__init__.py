"""The job backbone: every long operation is a `Job` row run by a Celery worker."""
