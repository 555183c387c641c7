"""`manage.py check_artifacts`: whether this machine can use the artifacts (the folder, or the object store that
STUDIO_ARTIFACTS_URL names) — run it on a new worker machine before it takes jobs."""

from django.core.management.base import BaseCommand, CommandError

from studio import artifacts


class Command(BaseCommand):
    help = "Write, read back and delete a small file where the artifacts live; with --create-bucket, make the bucket."

    def add_arguments(self, parser):
        parser.add_argument("--create-bucket", action="store_true",
                            help="Create the object store's bucket when it does not exist yet.")

    def handle(self, *args, **options):
        try:
            self.stdout.write(artifacts.check(create=options["create_bucket"]))
        except artifacts.ArtifactsUnreachable as error:
            raise CommandError(f"The artifacts cannot be used: {error}") from None
