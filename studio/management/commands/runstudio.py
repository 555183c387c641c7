"""Start the web app and one Celery worker together; Ctrl-C stops both."""

import os
import signal
import socket
import subprocess
import sys
import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run the studio on one machine: the web app and a Celery worker serving the cpu and gpu queues."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--concurrency", type=int, default=2, help="Worker processes (default 2).")

    def handle(self, *args, host, port, concurrency, **options):
        self._check_port_free(host, port)
        settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "studio.settings.local")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module}
        manage = [sys.executable, "-m", "django"]
        commands = {
            "web": [*manage, "runserver", "--noreload", f"{host}:{port}"],
            "worker": [
                sys.executable, "-m", "celery", "-A", "studio", "worker", "-Q", "cpu,gpu",
                "-c", str(concurrency), "-n", f"studio@{socket.gethostname()}", "--loglevel", "INFO",
            ],
        }
        # Children get their own process group, so that Ctrl-C reaches only this command,
        # which then stops them in order instead of racing them.
        processes = {
            name: subprocess.Popen(command, env=env, start_new_session=True) for name, command in commands.items()
        }
        self.stdout.write(self.style.SUCCESS(f"Vertical Studio is running at http://{host}:{port}/"))
        self.stdout.write("Log in with a demo user printed above. Press Ctrl-C to stop the web app and the worker.")
        stop = {"requested": False}

        def request_stop(signum, frame):
            stop["requested"] = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        exited = None
        while not stop["requested"] and exited is None:
            time.sleep(0.3)
            exited = next((name for name, process in processes.items() if process.poll() is not None), None)
        self._stop_all(processes)
        if exited:
            raise CommandError(f"The {exited} process exited with code {processes[exited].returncode}; stopped the rest.")
        self.stdout.write("Stopped.")

    def _check_port_free(self, host, port):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                raise CommandError(f"Port {port} on {host} is in use. Stop what uses it or pass --port.") from None

    def _stop_all(self, processes, timeout=20):
        for process in processes.values():
            if process.poll() is None:
                # The parent only: Celery's warm shutdown then stops its own pool processes.
                process.terminate()
        deadline = time.monotonic() + timeout
        for name, process in processes.items():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {name} process did not stop in {timeout} s; killing it.")
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
