"""Labeling's job kinds."""

from studio.jobs.kinds import JobKind, register
from studio.settings_schema import Setting

register(
    JobKind(
        name="import",
        label="Corpus import",
        run="labeling.services.imports.run_import",
        cleanup="labeling.services.imports.cleanup",
        queue="cpu",
        startable_by_users=False,
        description="Reads an uploaded file into a new corpus: all its good rows, or nothing.",
        params=(
            Setting("corpus_id", int, minimum=1),
            Setting("max_errors", int, 100, minimum=0, help="More rows than this that cannot be imported stop the import."),
        ),
    ),
    JobKind(
        name="snapshot",
        label="Dataset snapshot",
        run="labeling.services.snapshots.run_snapshot",
        cleanup="labeling.services.snapshots.cleanup",
        queue="cpu",
        startable_by_users=False,
        description="Freezes the project's resolved labels into an immutable Parquet file with stable splits.",
        params=(Setting("snapshot_id", int, minimum=1),),
    ),
)
