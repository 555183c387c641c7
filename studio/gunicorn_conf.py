"""How gunicorn serves the studio (`gunicorn -c python:studio.gunicorn_conf studio.wsgi:application`).

Measured with benchmarks/annotate_bench.py on 2 cores, 8 annotators with no pause between notes: two
processes of two threads each annotate as fast as four single-threaded processes or faster (60 against
51–57 annotations/s), with less CPU per annotation (the threaded worker keeps connections open between
requests; a sync worker opens one per request) and half the memory. More threads per process only wait
on the GIL. The app is loaded once, before the workers fork, so none starts cold under traffic.
"""

import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_WORKERS", os.cpu_count() or 2))
threads = int(os.environ.get("WEB_THREADS", 2))
worker_class = "gthread"
preload_app = os.environ.get("WEB_PRELOAD", "1") != "0"
keepalive = 5  # seconds an idle connection stays open for the annotator's next call
timeout = 120  # uploads of large corpora stream for a while


def when_ready(server):
    """Before the workers fork from the preloaded app: import every view and API module (the URLconf) and walk
    its routes once, so that a worker's first request does not pay for it (about half a second here)."""
    if not preload_app:
        return
    from django.db import connections
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports every app's views and API
    resolver.reverse_dict  # noqa: B018 - compiles every route
    connections.close_all()  # no connection is shared with the workers
