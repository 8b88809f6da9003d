"""Mail the portal sends (invitations, sign-in and confirmation links)."""

from django.core.mail import send_mail
from django.db import transaction


def send_after_commit(*, subject: str, body: str, to: str) -> None:
    """Send once the transaction that made the mail's link commits (a rolled-back link is
    never mailed). A header is one line: a name typed with a line break in it (an account's,
    a space's) is folded into the subject, which Django would otherwise refuse to send
    (BadHeaderError) after the link was made."""
    subject = " ".join(subject.split())
    transaction.on_commit(
        lambda: send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])
    )
