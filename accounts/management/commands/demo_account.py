"""Creates the demo account once and prints its administrator's login. The password lives
only in the git-ignored `.demo-login` file, so running again prints the same one."""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services
from accounts.models import User

DEMO_EMAIL = "admin@demo.local"


class Command(BaseCommand):
    help = "Create the demo account (once) and print its administrator's login."

    def handle(self, *args, **options):
        login_file = settings.BASE_DIR / ".demo-login"
        password = login_file.read_text().strip() if login_file.exists() else ""
        user = User.objects.filter(email=DEMO_EMAIL).first()
        with transaction.atomic():
            if user is None:
                password = secrets.token_urlsafe(12)
                services.account_create(
                    name="Demo", email=DEMO_EMAIL, password=password, user_name="Demo Admin"
                )
                User.objects.filter(email=DEMO_EMAIL).update(is_staff=True, is_superuser=True)
                self._keep(login_file, password)
            elif not password or not user.check_password(password):
                # The file was lost (or the password changed): set a new one and keep it.
                password = secrets.token_urlsafe(12)
                user.set_password(password)
                user.save(update_fields=["password", "credentials_version"])
                self._keep(login_file, password)
        self.stdout.write(f"Email: {DEMO_EMAIL}")
        self.stdout.write(f"Password: {password}")

    @staticmethod
    def _keep(login_file, password: str) -> None:
        login_file.write_text(password + "\n")
        login_file.chmod(0o600)
