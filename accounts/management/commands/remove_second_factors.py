"""For the operator, when a person lost every second factor (phone and passkeys gone, recovery
codes too): removes them all, so the person signs in with their password and sets up new
ones. Deliberately not a page: no administrator can remove another's factors. Check who is
asking (out of band) before running it."""

from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import User, normalize_email


class Command(BaseCommand):
    help = (
        "Remove every passkey, the authenticator app and the recovery codes of the person "
        "with this email (audited as user:second-factors-reset; the person is mailed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's email address.")

    def handle(self, *args, email: str, **options):
        user = User.objects.filter(email=normalize_email(email)).first()
        if user is None:
            raise CommandError(f"No user has the email {email!r}: nothing was removed.")
        removed = services.second_factors_reset(user=user)
        if not removed.anything:
            self.stdout.write(f"{user.email} had no second factor: nothing was removed.")
            return
        if removed.passkeys:
            names = ", ".join(removed.passkeys)
            self.stdout.write(f"Removed {len(removed.passkeys)} passkey(s): {names}")
        if removed.authenticator_app:
            self.stdout.write("Removed the authenticator app.")
        if removed.recovery_codes:
            self.stdout.write(f"Removed {removed.recovery_codes} recovery code(s).")
        self.stdout.write(
            f"{user.email} now signs in with their password alone and was mailed about it."
        )
