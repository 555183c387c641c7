"""Cleaning in the browser (managers): the recipe form on a corpus, the run's report with its
near-duplicate clusters and before/after samples."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from labeling.access import get_corpus
from labeling.models import Role
from labeling.services.browse import FilterError, whole_number
from studio import charts

from ..access import get_recipe, get_run
from . import recipe as recipes
from . import recipes_store, report
from .forms import RecipeForm
from .phi_spans import PhiSpansError
from .phi_spans import start as start_phi_spans
from .service import CleaningError, start_cleaning


@login_required
@require_http_methods(["GET", "POST"])
def clean_corpus(request, pk, corpus_pk):
    corpus = get_corpus(request.user, pk, corpus_pk, Role.MANAGER)
    project = corpus.project
    chosen = None
    if request.GET.get("recipe", "").isdigit():
        chosen = get_recipe(request.user, pk, int(request.GET["recipe"]))
    form = RecipeForm(request.POST or None, initial_settings=chosen.steps if chosen else None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            saved = None
            if form.cleaned_data["save_as"]:
                saved = recipes_store.save_recipe(request.user, project, form.cleaned_data["save_as"], form.settings())
            run = start_cleaning(request.user, project, corpus, form.settings(), saved)
        except (CleaningError, recipes.RecipeError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Cleaning {corpus.name} into a new corpus.")
            return redirect("cleaning-run", pk=project.pk, run_pk=run.pk)
    return render(request, "training/clean_corpus.html", {
        "project": project, "corpus": corpus, "form": form, "chosen": chosen,
        "recipes": project.cleaning_recipes.all(), "runs": corpus.cleaning_runs.select_related("output")[:10],
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def recipe_delete(request, pk, recipe_pk):
    recipe = get_recipe(request.user, pk, recipe_pk)
    recipes_store.delete_recipe(request.user, recipe)
    messages.success(request, f"Recipe {recipe.name!r} deleted.")
    back = request.POST.get("next", "")
    return redirect(back if back.startswith(f"/projects/{pk}/") else f"/projects/{pk}/")


@login_required
@require_GET
def cleaning_run(request, pk, run_pk):
    run = get_run(request.user, pk, run_pk)
    try:
        after = whole_number(request.GET, "after") or 0
    except FilterError as error:
        return HttpResponse(str(error), status=400)
    found, next_after = report.clusters(run, after, limit=20)
    seconds = {step: value for step, value in run.timings.items() if value}
    context = {
        "project": run.project, "run": run, "clusters": found, "next_after": next_after,
        "drop_chart": charts.bar_chart("Documents dropped", list(run.drops.items())),
        "deid_chart": charts.bar_chart("Identifiers replaced", list(run.deidentified.items())),
        "deid_rows": report.deidentified(run), "shards": report.shards(run),
        "speeds": [(step, value, run.documents_in / value) for step, value in
                   sorted(seconds.items(), key=lambda item: -item[1])],
        "samples": [{**sample, "diff": report.diff(sample["before"], sample["after"])} for sample in run.samples],
    }
    return render(request, "training/cleaning_run.html", context)


@login_required
@require_GET
def cleaning_cluster(request, pk, run_pk, source_pk):
    run = get_run(request.user, pk, run_pk)
    documents = report.cluster_documents(run, source_pk)
    if not documents:
        raise Http404("No such near-duplicate cluster.")
    return render(request, "training/cleaning_cluster.html", {"project": run.project, "run": run,
                                                                "documents": documents})


@login_required
@require_POST
def propose_phi_spans(request, pk, corpus_pk):
    """Start the corpus's PHI span proposal (managers); its job page follows it."""
    corpus = get_corpus(request.user, pk, corpus_pk, Role.MANAGER)
    try:
        job = start_phi_spans(request.user, corpus.project, corpus)
    except PhiSpansError as error:
        messages.error(request, str(error))
        return redirect("corpus-detail", pk=pk, corpus_pk=corpus.pk)
    messages.success(request, f"Looking for PHI in “{corpus.name}”: the spans found appear pre-selected as "
                              "annotators reach each note.")
    return redirect("job-detail", pk=job.pk)
