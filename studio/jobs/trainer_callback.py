"""A `Reporter` as a transformers `TrainerCallback`: progress per step, logs as metrics, cancel within a step."""

from transformers import TrainerCallback

from ..disk import ensure_space


class ReporterCallback(TrainerCallback):
    def __init__(self, reporter):
        self.reporter = reporter

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if state.max_steps:
            self.reporter.progress(state.global_step / state.max_steps, f"step {state.global_step} of {state.max_steps}")
        self.reporter.check_cancel()
        if control.should_save and model is not None:
            # The weights, and the optimiser's two moments for each of them.
            weights = sum(parameter.numel() * parameter.element_size() for parameter in model.parameters())
            ensure_space(args.output_dir, 3 * weights, f"checkpoint-{state.global_step}")

    def on_log(self, args, state, control, logs=None, **kwargs):
        for name, value in (logs or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.reporter.metric(name, state.global_step, value)
        self.reporter.check_cancel()  # evaluation figures arrive here too: the Trainer logs them
