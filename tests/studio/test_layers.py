"""The arrangement holds: imports flow one way (import-linter's contracts in pyproject.toml), and a
web process — the WSGI application, every URL resolved, the project list rendered — loads none of
the training stack."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "transformers", "datasets", "sklearn", "pyarrow", "spacy")

WEB_PROCESS = """
import json, sys
import django
from django.conf import settings
django.setup()
from django.urls import get_resolver
from django.test import Client
from django.test.utils import setup_test_environment
import studio.wsgi

def walk(patterns):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            walk(pattern.url_patterns)
        else:
            pattern.callback  # every view module is imported

walk(get_resolver().url_patterns)
setup_test_environment()
status = Client().get("/projects/").status_code  # the project list, as an anonymous visitor: to the login page
print(json.dumps({"loaded": [name for name in %r if name in sys.modules], "status": status}))
"""


def test_imports_flow_one_way_and_web_modules_never_import_the_training_stack():
    lint_imports = Path(sys.executable).with_name("lint-imports")  # installed with import-linter, beside python
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and result.stdout.count("KEPT") == 2


def test_a_web_process_loads_none_of_the_training_stack(tmp_path):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "studio.settings.local", "STUDIO_VAR_DIR": str(tmp_path)}
    environment.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", WEB_PROCESS % (HEAVY,)], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {"loaded": [], "status": 302}
