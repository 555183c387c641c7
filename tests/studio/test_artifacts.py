"""The artifacts interface on both backends — the local folder and a real S3-compatible server: a file or a folder
is published whole, read back byte for byte, listed without being fetched, cached by sha256, streamed, deleted."""

import hashlib
import io
import os
import shutil

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from studio import artifacts


@pytest.fixture(params=["folder", "s3"])
def store(request, settings, tmp_path):
    if request.param == "s3":
        request.getfixturevalue("object_store")
    else:
        settings.STUDIO_ARTIFACTS_URL = ""
        settings.STUDIO_ARTIFACTS_DIR = tmp_path / "artifacts"
    return artifacts.store()


def _folder(path, files):
    for name, data in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(data)


def test_a_file_is_published_whole_and_read_back(store):
    data = os.urandom(3 * 1024 * 1024 + 17)
    staged = store.staging("snapshots/s-1.parquet")
    staged.write_bytes(data)
    assert not store.exists("snapshots/s-1.parquet")  # staged is not published
    store.publish(staged, "snapshots/s-1.parquet", hashlib.sha256(data).hexdigest())
    assert store.exists("snapshots/s-1.parquet") and not staged.exists()
    assert store.fetch("snapshots/s-1.parquet", hashlib.sha256(data).hexdigest()).read_bytes() == data
    assert store.fetch("snapshots/s-1.parquet").read_bytes() == data
    with store.open("snapshots/s-1.parquet") as stream:
        assert b"".join(iter(lambda: stream.read(1 << 20), b"")) == data
    store.delete("snapshots/s-1.parquet")
    assert not store.exists("snapshots/s-1.parquet")
    with pytest.raises(artifacts.ArtifactMissing):
        store.fetch("snapshots/s-1.parquet")
    with pytest.raises(artifacts.ArtifactMissing):
        store.open("snapshots/s-1.parquet")


def test_a_folder_is_listed_where_it_lives_and_republished_without_its_old_files(store):
    staged = store.staging("models/1/1")
    _folder(staged, {"config.json": b"{}", "model.safetensors": b"w" * 1000, "1_Pooling/config.json": b"[]"})
    store.publish(staged, "models/1/1", "a" * 64)
    assert store.files("models/1/1") == [("1_Pooling/config.json", 2), ("config.json", 2),
                                         ("model.safetensors", 1000)]
    fetched = store.fetch("models/1/1", "a" * 64)
    assert sorted(p.relative_to(fetched).as_posix() for p in fetched.rglob("*") if p.is_file()) == [
        "1_Pooling/config.json", "config.json", "model.safetensors"]
    again = store.staging("models/1/1")
    _folder(again, {"config.json": b"{}"})
    store.publish(again, "models/1/1")
    assert store.files("models/1/1") == [("config.json", 2)]
    assert store.files("models/1/2") == [] and not store.exists("models/1/2")
    assert not store.fetch("models/1/2", "b" * 64, missing_ok=True).exists()
    store.delete("models/1/1")
    assert store.files("models/1/1") == []


def test_the_store_reads_through_a_cache_keyed_by_sha256_and_needs_a_manifest(object_store, seaweed):
    store = artifacts.store()
    staged = store.staging("models/7/1")
    _folder(staged, {"config.json": b"{}", "model.safetensors": b"w" * 10})
    store.publish(staged, "models/7/1", "c" * 64)
    client = seaweed.client()
    assert object_store.keys("models/7/1/") == ["models/7/1/.manifest.json", "models/7/1/config.json",
                                                "models/7/1/model.safetensors"]
    cached = store.fetch("models/7/1", "c" * 64)
    assert cached.is_relative_to(object_store.cache / "sha256")  # this machine's cache, under the digest
    client.delete_object(Bucket=object_store.bucket, Key="studio/models/7/1/model.safetensors")
    assert store.fetch("models/7/1", "c" * 64) == cached and (cached / "model.safetensors").read_bytes() == b"w" * 10
    # Files without their manifest are a folder being uploaded: nobody reads it yet.
    client.put_object(Bucket=object_store.bucket, Key="studio/models/7/2/config.json", Body=b"{}")
    assert not store.exists("models/7/2") and store.files("models/7/2") == []
    with pytest.raises(artifacts.ArtifactMissing):
        store.fetch("models/7/2", "d" * 64)


def test_a_store_url_that_is_not_s3_is_refused(settings):
    settings.STUDIO_ARTIFACTS_URL = "ftp://somewhere/else"
    with pytest.raises(ImproperlyConfigured, match="s3://bucket/prefix"):
        artifacts.store()


def test_check_artifacts_makes_the_bucket_and_says_where_artifacts_live(object_store, settings, seaweed):
    settings.STUDIO_ARTIFACTS_URL = "s3://studio-not-made-yet/prefix"
    with pytest.raises(CommandError, match="studio-not-made-yet"):
        call_command("check_artifacts")
    out = io.StringIO()
    call_command("check_artifacts", "--create-bucket", stdout=out)
    assert "s3://studio-not-made-yet/prefix: a file was written, read back and deleted" in out.getvalue()
    assert seaweed.keys("studio-not-made-yet") == []  # the probe is gone


def test_check_artifacts_names_an_unreachable_store(object_store, settings, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    settings.STUDIO_ARTIFACTS_URL = f"s3://{object_store.bucket}/other"
    with pytest.raises(CommandError, match=f"The artifacts cannot be used: s3://{object_store.bucket}/other"):
        call_command("check_artifacts")


def test_the_cache_keeps_under_its_size_the_artifacts_used_last(object_store, settings):
    settings.STUDIO_ARTIFACTS_CACHE_BYTES = 2_500_000
    store = artifacts.store()
    digests = {}
    for name in ("a", "b", "c"):
        staged = store.staging(f"snapshots/{name}.parquet")
        staged.write_bytes(os.urandom(1_000_000))
        digests[name] = hashlib.sha256(staged.read_bytes()).hexdigest()
        store.publish(staged, f"snapshots/{name}.parquet")  # not cached here: read by the fetches below
    cached = lambda: sorted(path.name for path in (object_store.cache / "sha256").iterdir())  # noqa: E731
    store.fetch("snapshots/a.parquet", digests["a"])
    store.fetch("snapshots/b.parquet", digests["b"])
    os.utime(object_store.cache / "sha256" / digests["a"], (1, 1))
    os.utime(object_store.cache / "sha256" / digests["b"], (2, 2))
    store.fetch("snapshots/a.parquet", digests["a"])  # read again: the most recently used now
    store.fetch("snapshots/c.parquet", digests["c"])  # three megabytes: the least recently used goes
    assert cached() == sorted([digests["a"], digests["c"]])
    assert store.fetch("snapshots/b.parquet", digests["b"]).read_bytes()  # fetched again when needed


def test_a_job_s_mirrored_folders_come_back_on_another_machine_and_rotate_away(object_store, settings, tmp_path):
    store = artifacts.store()
    job = object_store.cache / "jobs" / "7-20261202T000000000000"
    for name in ("checkpoint-10", "checkpoint-20", "trial-1/checkpoint-5"):
        _folder(job / name, {"trainer_state.json": b"{}", "model.safetensors": b"w" * 100})
        store.mirror(job / name)
    (job / "half-written").mkdir()
    (job / "half-written" / "model.safetensors").write_bytes(b"w")
    client = object_store.server.client()
    client.put_object(Bucket=object_store.bucket, Key="studio/jobs/7-20261202T000000000000/checkpoint-30/x", Body=b"x")
    shutil.rmtree(job / "checkpoint-10")  # the Trainer's rotation
    store.forget_mirrored("jobs/7-20261202T000000000000", keep={path.name for path in job.iterdir()})
    settings.STUDIO_ARTIFACTS_DIR = tmp_path / "another-machine"
    other = artifacts.store()
    other.restore("jobs/7-20261202T000000000000")
    restored = tmp_path / "another-machine" / "jobs" / "7-20261202T000000000000"
    assert sorted(p.relative_to(restored).as_posix() for p in restored.rglob("*") if p.is_file()) == [
        "checkpoint-20/model.safetensors", "checkpoint-20/trainer_state.json",  # not the incomplete checkpoint-30
        "trial-1/checkpoint-5/model.safetensors", "trial-1/checkpoint-5/trainer_state.json"]
    other.forget_mirrored("jobs/7-20261202T000000000000")
    assert object_store.keys("jobs/") == []
