import random

from labeling.models import Corpus, Document, Project
from labeling.services import demo
from studio.jobs import execution
from tests.e2e.conftest import log_in
from tests.support.phi_notes import LISTED, body, generate
from training.cleaning import shards
from training.cleaning.service import start_cleaning
from training.models import CleaningShard


def test_shots(page, transactional_db, settings, tmp_path):
    settings.STUDIO_ARTIFACTS_DIR = tmp_path
    settings.STUDIO_CLEAN_SHARD_DOCUMENTS = 9
    _p, passwords = demo.load_demo(note_count=5)
    project = Project.objects.get(name=demo.DEMO_PROJECT_NAME)
    rng = random.Random(2)
    texts = [f"{text}\n{body(rng, 4)}" for text, _planted in generate(40, seed=4)]
    corpus = Corpus.objects.create(project=project, name="Ward notes", status=Corpus.Status.READY, document_count=40)
    Document.objects.bulk_create(Document(corpus=corpus, external_id=f"w{i}", text=t, content_hash=str(i),
                                          length=len(t)) for i, t in enumerate(texts))
    from django.contrib.auth import get_user_model
    manager = get_user_model().objects.get(username="demo-manager")
    run = start_cleaning(manager, project, corpus, {"names": LISTED})
    planned = shards.plan(run, "lines")
    shards.run_shard(planned[1].pk, "cpu@worker-2")
    shards.run_shard(planned[3].pk, "cpu@worker-2")
    execution.execute(run.job_id, "cpu@worker-1", {})
    log_in(page, "demo-manager", passwords["demo-manager"])
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/projects/{project.pk}/cleaning/runs/{run.pk}/" if False else f"/projects/{project.pk}/")
    from django.urls import reverse
    page.goto(reverse("cleaning-run", args=[project.pk, run.pk]))
    page.screenshot(path="/tmp/shot_clean_run.png", full_page=False)
    run2 = start_cleaning(manager, project, corpus, {"names": LISTED})
    planned = shards.plan(run2, "lines")
    shards.run_shard(planned[0].pk, "cpu@worker-2")
    CleaningShard.objects.filter(pk=planned[1].pk).update(status="running", worker="cpu@worker-1")
    page.goto(reverse("cleaning-run", args=[project.pk, run2.pk]))
    page.screenshot(path="/tmp/shot_clean_running.png", full_page=False)
    page.goto(f"/projects/{project.pk}/models/pretrain/")
    page.screenshot(path="/tmp/shot_pretrain_form.png", full_page=True)
