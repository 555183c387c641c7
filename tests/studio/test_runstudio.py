"""`runstudio` (what `make run` ends with) starts the web app and a worker; Ctrl-C stops both."""

import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.support.worker import ROOT, child_environment, wait_for

pytestmark = pytest.mark.worker


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthy(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_it_serves_the_app_and_stops_cleanly_on_ctrl_c(transactional_db):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runstudio", "--port", str(port), "--concurrency", "1"],
        cwd=ROOT, env=child_environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert wait_for(lambda: healthy(port), timeout=60), "the web app did not answer"
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert f"Vertical Studio is running at http://127.0.0.1:{port}/" in output
    assert "Stopped." in output
    assert not healthy(port)


def test_it_refuses_a_port_in_use(transactional_db):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "manage.py", "runstudio", "--port", str(port)],
            cwd=ROOT, env=child_environment(), capture_output=True, text=True, timeout=60,
        )
    assert result.returncode != 0
    assert f"Port {port} on 127.0.0.1 is in use" in result.stderr


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_its_local_settings_show_the_studios_own_404_and_serve_static_files(transactional_db):
    port = free_port()
    environment = {key: value for key, value in child_environment().items() if key != "DEBUG"}
    environment["DJANGO_SETTINGS_MODULE"] = "studio.settings.local"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runstudio", "--port", str(port), "--concurrency", "1"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert wait_for(lambda: healthy(port), timeout=60), "the web app did not answer"
        status, body = fetch(f"http://127.0.0.1:{port}/no-such-page/")
        assert status == 404 and "There is nothing here" in body and "URLconf" not in body
        assert fetch(f"http://127.0.0.1:{port}/static/studio/studio.css")[0] == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
