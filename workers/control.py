"""Worker-side facts answered over Celery's remote control (`inspect device`)."""

from celery.signals import worker_init
from celery.worker.control import inspect_command

from training.device import probe_device

DEVICE = {"kind": "unknown"}


@worker_init.connect
def _probe_device_at_start(**kwargs):
    # Before the pool forks, so every pool process inherits the answer.
    DEVICE.update(probe_device())


@inspect_command()
def device(state, **kwargs):
    return dict(DEVICE)
