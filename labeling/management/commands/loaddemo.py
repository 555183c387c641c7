from django.core.management.base import BaseCommand

from labeling.services import demo


class Command(BaseCommand):
    help = "Load the demo project (synthetic notes, a label schema, one user per role) and print the passwords once."

    def add_arguments(self, parser):
        parser.add_argument("--notes", type=int, default=300, help="How many notes to generate (default 300).")
        parser.add_argument("--reset-passwords", action="store_true", help="Give the existing demo users new passwords.")

    def handle(self, *args, notes, reset_passwords, **options):
        if reset_passwords:
            self._print_passwords(demo.reset_passwords(), "New passwords for the demo users")
            return
        if demo.demo_exists():
            self.stdout.write(
                "The demo project is loaded already. Its passwords were printed when it was created; "
                "run `python manage.py loaddemo --reset-passwords` for new ones."
            )
            return
        project, passwords = demo.load_demo(note_count=notes)
        self.stdout.write(self.style.SUCCESS(f"Loaded “{project.name}” with {notes} notes."))
        self._print_passwords(passwords, "Demo users (these passwords are shown only now)")

    def _print_passwords(self, passwords, heading):
        self.stdout.write(heading + ":")
        for username, password in passwords.items():
            self.stdout.write(f"  {username:<16} {password}")
