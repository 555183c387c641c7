"""A fine-tune that searches its settings (`trials` above 0): Optuna's TPE sampler, seeded with the run's seed,
proposes a learning rate, epochs, batch size, class weighting and layer decay; each trial trains on the train
split and is scored on validation as any fine-tune is (held-out macro F1); the best trial's classifier is
registered, with every trial in its lineage, and evaluated on the test split. A head learning rate left to
the base is ten times each trial's learning rate.

Each trial reports its validation curve as `trial_<n>_eval_macro_f1`. The trials done are kept in the job's
folder, so a re-delivered job tells Optuna what it already knows and trains only the rest (a trial cut short
resumes from its checkpoint with the settings it had)."""

import json
import shutil

import optuna

from ..models import ModelVersion
from ..pretraining.config import base_path
from . import rates
from .run import Trained, register, train_and_score

optuna.logging.set_verbosity(optuna.logging.WARNING)  # the job's log says what each trial did

SPACE = {  # learning rates for pretrained bases (1e-5…) up to small scratch encoders (…1e-3)
    "learning_rate": optuna.distributions.FloatDistribution(1e-5, 1e-3, log=True),
    "epochs": optuna.distributions.CategoricalDistribution([2.0, 3.0, 4.0, 5.0]),
    "batch_size": optuna.distributions.CategoricalDistribution([8, 16, 32]),
    "class_weighting": optuna.distributions.CategoricalDistribution([False, True]),
    "layer_decay": optuna.distributions.CategoricalDistribution([1.0, 0.9, 0.8]),
}


class TrialReporter:
    """The job's reporter for one trial: its validation curve under the trial's name, nothing else of its curves."""

    def __init__(self, reporter, number):
        self._reporter, self._number = reporter, number

    def metric(self, name, step, value):
        if name == "eval_macro_f1":
            self._reporter.metric(f"trial_{self._number}_eval_macro_f1", step, value)

    def span(self, low, high):
        return TrialReporter(self._reporter.span(low, high), self._number)

    def as_trainer_callback(self):
        from studio.jobs.trainer_callback import ReporterCallback

        return ReporterCallback(self)

    def __getattr__(self, name):  # progress, stage, log, check_cancel: the job's
        return getattr(self._reporter, name)


def search(run, job, labels, multi, train, validation, folder, reporter):
    """Run the search, register its best classifier: the job's result."""
    config = run.config
    base = base_path(run.project, config["base"])
    done = ModelVersion.objects.filter(job=job).first()
    if done is not None:  # registered before the job was delivered again
        return {"validation_macro_f1": done.metrics.get("validation_macro_f1"), "model_version": done.pk,
                "trials": len(done.lineage["search"]["trials"]), "best_trial": done.lineage["search"]["best"]}
    record = folder / "trials.json"
    trials = json.loads(record.read_text()) if record.exists() else []
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=config["seed"]))
    for trial in trials:
        if trial["value"] is None:  # cut short: run again with the settings it had
            study.enqueue_trial(trial["params"])
        else:
            study.add_trial(optuna.trial.create_trial(params=trial["params"], distributions=SPACE,
                                                      value=trial["value"]))
    trials = [trial for trial in trials if trial["value"] is not None]
    while len(trials) < config["trials"]:
        number = len(trials) + 1
        proposed = study.ask(SPACE)
        record.write_text(json.dumps(trials + [{"number": number, "params": proposed.params, "value": None}]))
        part = TrialReporter(reporter.span((number - 1) / config["trials"] * 0.98, number / config["trials"] * 0.98),
                             number)
        part.stage(0.0, f"Trial {number} of {config['trials']}: " + ", ".join(
            f"{name} {value:g}" if isinstance(value, float) else f"{name} {value}"
            for name, value in proposed.params.items()))
        trained = train_and_score(run, rates.resolve({**config, **proposed.params}, base)[0], labels, multi, train,
                                  validation, folder / f"trial-{number}", part)
        value = trained.validation_f1 if trained.validation_f1 is not None else 0.0
        study.tell(proposed, value)
        best = max(trials, key=lambda trial: trial["value"], default=None)
        trials.append({"number": number, "params": proposed.params, "value": value, "device": trained.device,
                       "measured": trained.measured})
        record.write_text(json.dumps(trials))
        part.log(f"Trial {number}: validation macro F1 {value:.3f}")
        beaten = best if best is None or value > best["value"] else trials[-1]
        if beaten is not None:  # only the best trial's classifier is kept on disk
            shutil.rmtree(folder / f"trial-{beaten['number']}", ignore_errors=True)
    best = max(trials, key=lambda trial: trial["value"])  # the earliest of equals
    reporter.stage(0.98, f"Registering trial {best['number']}, the best on validation ({best['value']:.3f})")
    table = [{key: trial[key] for key in ("number", "params", "value")} for trial in trials]
    trained = Trained(folder / f"trial-{best['number']}" / "model", best["device"], best["measured"],
                      {"search": {"trials": table, "best": best["number"]}})
    result = register(run, job, rates.resolve({**config, **best["params"]}, base)[0], trained, labels, multi,
                      reporter)
    return {**result, "trials": len(trials), "best_trial": best["number"]}
