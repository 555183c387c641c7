"""Where artifacts live — uploads, snapshots, model versions, a cleaning run's files, checkpoints — behind one
interface with two backends, chosen by STUDIO_ARTIFACTS_URL:

- empty (the embedded default): the folder STUDIO_ARTIFACTS_DIR; a key is a path under it, and a reader reads the
  file in place;
- ``s3://bucket/prefix``: any S3-compatible store (endpoint and credentials from the environment, as every AWS tool
  reads them: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); a key is an object name under the
  prefix, and STUDIO_ARTIFACTS_DIR is this machine's cache of what it read, keyed by sha256 and kept under
  STUDIO_ARTIFACTS_CACHE_BYTES.

A writer writes inside `staged(key)` and then `publish`es: the local backend renames the file into place, the store
uploads it (a folder's files first, its manifest last), so a reader never finds half an artifact. Files move in
chunks, never whole in memory.
"""

import contextlib
import functools
import json
import os
import shutil
import time
import uuid
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .disk import folder_size

MANIFEST = ".manifest.json"  # a folder's last object in the store: {"files": {relative name: bytes}}


class ArtifactMissing(FileNotFoundError):
    """The store holds nothing under the key."""


class ArtifactsUnreachable(Exception):
    """The configured store cannot be reached or used; the message says how it failed."""


def store():
    """The configured backend."""
    return _backend(settings.STUDIO_ARTIFACTS_URL, str(settings.STUDIO_ARTIFACTS_DIR))


@functools.lru_cache(maxsize=4)
def _backend(url, folder):
    if not url:
        return LocalFolder(Path(folder))
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ImproperlyConfigured(f"STUDIO_ARTIFACTS_URL must look like s3://bucket/prefix, not {url!r}.")
    return ObjectStore(parsed.netloc, parsed.path.strip("/"), Path(folder))


@contextlib.contextmanager
def staged(key):
    """A fresh local path to write the artifact `key` to and then `publish`; whatever is left of it when the block
    ends (a failure came first, or the store kept no copy) goes."""
    backend = store()
    path = backend.staging(key)
    try:
        yield path
    finally:
        backend.discard(path)


def _remove(path):
    shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


def check(create=False):
    """Write, read back and delete a small file where the artifacts live: the words to print when it worked;
    ArtifactsUnreachable when it did not."""
    backend = store()
    backend.prepare(create)
    key, probe = f"checks/{uuid.uuid4().hex}", os.urandom(1024)
    try:
        with staged(key) as path:
            path.write_bytes(probe)
            backend.publish(path, key)
        if backend.fetch(key).read_bytes() != probe:
            raise ArtifactsUnreachable(f"{backend.describe()}: a file read back differs from what was written.")
        backend.delete(key)
    except ArtifactsUnreachable:
        raise
    except Exception as error:
        raise ArtifactsUnreachable(f"{backend.describe()}: {type(error).__name__}: {error}") from None
    return f"Artifacts live in {backend.describe()}: a file was written, read back and deleted."


def _files_under(folder):
    return sorted((path.relative_to(folder).as_posix(), path) for path in folder.rglob("*") if path.is_file())


class LocalFolder:
    """Artifacts as files under one folder: what the embedded default and a single machine use."""

    remote = False

    def __init__(self, root):
        self.root = root

    def describe(self):
        return str(self.root)

    def _path(self, key):
        return self.root / key

    def staging(self, key):
        """A fresh local path to write the artifact `key` to before `publish`: beside where it will live."""
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        return final.with_name(f".{final.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partial")

    def publish(self, staged, key, sha256=""):
        final = self._path(key)
        if final.is_dir():
            shutil.rmtree(final)
        os.replace(staged, final)

    def discard(self, staged):
        _remove(staged)

    def prepare(self, create=False):
        self.root.mkdir(parents=True, exist_ok=True)

    def mirror(self, path):
        """Nothing to do: the job's folders are in the artifacts already."""

    def restore(self, key):
        """Nothing to do: the job's folders never left."""

    def forget_mirrored(self, key, keep=None):
        """Nothing to do: nothing was mirrored."""

    def fetch(self, key, sha256="", missing_ok=False):
        """A local path holding the artifact (file or folder)."""
        path = self._path(key)
        if not missing_ok and not path.exists():
            raise ArtifactMissing(key)
        return path

    def exists(self, key):
        return self._path(key).exists()

    def files(self, key):
        """A folder artifact's files: [(relative name, bytes)], in name order; [] when there is none."""
        folder = self._path(key)
        return [(name, path.stat().st_size) for name, path in _files_under(folder)] if folder.is_dir() else []

    def open(self, key):
        """The file's bytes as a stream."""
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError as error:
            raise ArtifactMissing(key) from error

    def delete(self, key):
        _remove(self._path(key))


class ObjectStore:
    """Artifacts as objects in an S3-compatible bucket, read through a local cache."""

    remote = True

    def __init__(self, bucket, prefix, cache):
        self.bucket, self.prefix, self.cache = bucket, prefix, cache

    def describe(self):
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    @functools.cached_property
    def client(self):
        import boto3  # only a process that touches the store pays for it
        from botocore.config import Config

        session = boto3.session.Session()  # its own: credentials as the environment gives them now
        return session.client("s3", region_name=os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
                              config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5}))

    @functools.cached_property
    def transfer(self):
        """Uploads and downloads in 8 MB parts, four at a time: a large file never sits whole in memory."""
        from boto3.s3.transfer import TransferConfig

        return TransferConfig(multipart_chunksize=8 * 1024**2, max_concurrency=4)

    def _name(self, key):
        return str(PurePosixPath(self.prefix, key)) if self.prefix else key

    def _new_scratch(self):
        folder = self.cache / "tmp" / f"{os.getpid()}-{uuid.uuid4().hex}"
        folder.mkdir(parents=True)
        return folder

    @contextlib.contextmanager
    def _scratch(self):
        """A folder of this process's own for a download, gone when the block ends."""
        folder = self._new_scratch()
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def staging(self, key):
        return self._new_scratch() / PurePosixPath(key).name

    def discard(self, staged):
        shutil.rmtree(Path(staged).parent, ignore_errors=True)  # the scratch folder `staging` made for it

    def prepare(self, create=False):
        """Make sure the bucket is there (made with `create`) and the cache folder; ArtifactsUnreachable, in words,
        otherwise."""
        from botocore.exceptions import BotoCoreError, ClientError

        self.cache.mkdir(parents=True, exist_ok=True)
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket") or not create:
                raise ArtifactsUnreachable(f"{self.describe()}: {error}") from None
            self.client.create_bucket(Bucket=self.bucket)
        except BotoCoreError as error:
            raise ArtifactsUnreachable(f"{self.describe()}: {error}") from None

    def _upload(self, path, key):
        """The file, or the folder's files and then its manifest (a folder without one is still being uploaded)."""
        if not path.is_dir():
            self.client.upload_file(str(path), self.bucket, self._name(key), Config=self.transfer)
            return
        listed = _files_under(path)
        self.delete(key)  # a re-published folder keeps none of its earlier files
        for name, item in listed:
            self.client.upload_file(str(item), self.bucket, self._name(f"{key}/{name}"), Config=self.transfer)
        manifest = {"files": {name: item.stat().st_size for name, item in listed}}
        self.client.put_object(Bucket=self.bucket, Key=self._name(f"{key}/{MANIFEST}"),
                               Body=json.dumps(manifest, sort_keys=True).encode())

    def publish(self, staged, key, sha256=""):
        """Upload the staged file or folder; the staged copy becomes this machine's cached copy when `sha256` names
        it (otherwise `discard` removes it)."""
        self._upload(Path(staged), key)
        if sha256:
            self._cache(Path(staged), sha256, PurePosixPath(key).name)

    def key_of(self, path):
        """The key of a folder of this machine's job folders."""
        return Path(path).relative_to(self.cache).as_posix()

    def mirror(self, path):
        """Copy a job's folder of this machine (a checkpoint, say) into the store, under the same name: another
        machine that takes the job over `restore`s it."""
        self._upload(Path(path), self.key_of(path))

    def restore(self, key):
        """Bring back under the same name every folder mirrored whole under `key` that this machine lacks."""
        for folder in self._complete_folders(key):
            if not (self.cache / folder).exists():
                with self._scratch() as scratch:
                    self._download(folder, scratch / "folder")
                    self._place(scratch / "folder", self.cache / folder, keep_existing=True)

    def _listed(self, key):
        """The names of the objects under the folder `key`, as the bucket holds them."""
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                          Prefix=self._name(key) + "/"):
            yield from (item["Key"] for item in page.get("Contents", ()))

    def _complete_folders(self, key):
        """The keys of the folders under `key` whose manifests say they were uploaded whole."""
        start = len(self.prefix) + 1 if self.prefix else 0
        return [name[start:-len(MANIFEST) - 1] for name in self._listed(key) if name.endswith("/" + MANIFEST)]

    def forget_mirrored(self, key, keep=None):
        """Remove what was mirrored under `key`; with `keep`, only its own folders not named in it (a checkpoint
        rotated away), never deeper ones (another trainer's)."""
        if keep is None:
            self.delete(key)
            return
        for folder in self._complete_folders(key):
            path = PurePosixPath(folder)
            if path.parent == PurePosixPath(key) and path.name not in keep:
                self.delete(folder)

    def _manifest(self, key):
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._name(f"{key}/{MANIFEST}"))["Body"]
        except self.client.exceptions.NoSuchKey:
            return None
        return json.loads(body.read())

    def _is_file(self, key):
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    @staticmethod
    def _place(got, placed, keep_existing):
        placed.parent.mkdir(parents=True, exist_ok=True)
        if placed.exists():
            if keep_existing:
                return  # another process of this machine fetched the same bytes first
            shutil.rmtree(placed) if placed.is_dir() else placed.unlink()
        os.replace(got, placed)

    def _cache(self, got, sha256, name):
        """Keep `got` as this machine's copy of the artifact with that digest, then trim the cache to
        STUDIO_ARTIFACTS_CACHE_BYTES, least recently used first, never the one just kept. Scratch folders a crash
        left behind go after a day. Returns the cached path."""
        entry = self.cache / "sha256" / sha256
        self._place(got, entry / name, keep_existing=True)
        os.utime(entry)
        cached = [(item.stat().st_mtime, folder_size(item), item) for item in entry.parent.iterdir() if item.is_dir()]
        total = sum(size for _used, size, _item in cached)
        for _used_at, size, item in sorted(cached):
            if total <= settings.STUDIO_ARTIFACTS_CACHE_BYTES:
                break
            if item != entry:
                shutil.rmtree(item, ignore_errors=True)
                total -= size
        stale = time.time() - 86400
        for item in (self.cache / "tmp").iterdir() if (self.cache / "tmp").is_dir() else ():
            if item.stat().st_mtime < stale:
                shutil.rmtree(item, ignore_errors=True)
        return entry / name

    def fetch(self, key, sha256="", missing_ok=False):
        """A local copy: with `sha256`, kept in the cache under it and read from there next time; without, fetched
        afresh (a cleaning run's working files). `missing_ok`: the path it would have, when the store lacks it."""
        name = PurePosixPath(key).name
        placed = self.cache / "sha256" / sha256 / name if sha256 else self.cache / "keys" / key
        if sha256 and placed.exists():
            os.utime(placed.parent)  # used now: the last to leave the cache
            return placed
        with self._scratch() as scratch:
            got = scratch / name
            if not self._download(key, got):
                if missing_ok:
                    return placed
                raise ArtifactMissing(key)
            if sha256:
                return self._cache(got, sha256, name)
            self._place(got, placed, keep_existing=False)
            return placed

    def _download(self, key, got):
        """The file or the whole folder into `got`; False when the store holds neither."""
        if self._is_file(key):
            self.client.download_file(self.bucket, self._name(key), str(got), Config=self.transfer)
            return True
        manifest = self._manifest(key)
        if manifest is None:
            return False
        got.mkdir()
        for relative in manifest["files"]:
            (got / relative).parent.mkdir(parents=True, exist_ok=True)
            self.client.download_file(self.bucket, self._name(f"{key}/{relative}"), str(got / relative),
                                      Config=self.transfer)
        return True

    def exists(self, key):
        return self._is_file(key) or self._manifest(key) is not None

    def files(self, key):
        manifest = self._manifest(key)
        return sorted(manifest["files"].items()) if manifest else []

    def open(self, key):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"]
        except self.client.exceptions.NoSuchKey as error:
            raise ArtifactMissing(key) from error

    def delete(self, key):
        names = [self._name(key), *self._listed(key)]
        for start in range(0, len(names), 1000):
            self.client.delete_objects(Bucket=self.bucket, Delete={
                "Objects": [{"Key": name} for name in names[start:start + 1000]], "Quiet": True})
        shutil.rmtree(self.cache / "keys" / key, ignore_errors=True)
