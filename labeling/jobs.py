"""Labeling's job kinds: each runs on the cpu queue, started by its service after its own checks, with
`run_<kind>` and `cleanup` in that service's module."""

from studio.jobs.kinds import JobKind, register
from studio.jobs.outputs import ObjectType, register_object
from studio.settings_schema import Setting


def service_kind(name, label, service, description, *params):
    module = f"labeling.services.{service}"
    return JobKind(name=name, label=label, run=f"{module}.run_{name}", cleanup=f"{module}.cleanup", queue="cpu",
                   startable_by_users=False, description=description, params=params)


register(
    service_kind("import", "Corpus import", "imports", "Reads an uploaded file into a new corpus: all its good rows, "
                 "or nothing.", Setting("corpus_id", int, minimum=1),
                 Setting("max_errors", int, 100, minimum=0,
                         help="More rows than this that cannot be imported stop the import.")),
    service_kind("snapshot", "Dataset snapshot", "snapshots", "Freezes the project's resolved labels into an "
                 "immutable Parquet file with stable splits.", Setting("snapshot_id", int, minimum=1)),
)
register_object(
    ObjectType("corpus", "Corpus", "labeling.Corpus", "corpus-detail", keys=("corpus_id",)),
    ObjectType("snapshot", "Snapshot", "labeling.DatasetSnapshot", "snapshot-detail", keys=("snapshot_id", "snapshot")),
)
