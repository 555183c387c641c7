from django.apps import AppConfig


class LabelingConfig(AppConfig):
    name = "labeling"
    verbose_name = "Labeling"

    def ready(self):
        from studio.jobs.kinds import JobKind, Param, register

        register(JobKind(
            name="import",
            label="Corpus import",
            run="labeling.services.imports.run_import",
            queue="cpu",
            startable_by_users=False,
            description="Reads an uploaded file into a new corpus: all its good rows, or nothing.",
            params=(
                Param("corpus_id", int, minimum=1),
                Param("max_errors", int, 100, minimum=0, help="More rows than this that cannot be imported stop the import."),
            ),
        ))
        register(JobKind(
            name="snapshot",
            label="Dataset snapshot",
            run="labeling.services.snapshots.run_snapshot",
            queue="cpu",
            startable_by_users=False,
            description="Freezes the project's resolved labels into an immutable Parquet file with stable splits.",
            params=(Param("snapshot_id", int, minimum=1),),
        ))
