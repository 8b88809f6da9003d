"""The account's "Require two-step verification for administrators" policy, and the
operator's way back in for a person who lost every second factor.

What the policy does to a signed-in administrator (kept to setting one up) is
accounts.two_step_policy's middleware; here are the writes."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from accounts.access import account_administered_by
from accounts.audit import record_event
from accounts.models import Account, AuthenticatorApp, Passkey, RecoveryCode, User
from accounts.two_step import has_second_factor
from portal.mail import send_after_commit
from portal.services import model_update

SET_UP_YOURS_FIRST = (
    "Set up two-step verification for yourself first (a passkey or an authenticator app on "
    "your Password and authentication page): the policy would otherwise keep you out."
)


@transaction.atomic
def account_require_two_step(*, account: Account, actor: User, required: bool) -> Account:
    """Turn the policy on or off. Turning it on takes an actor who has a second factor: one
    who has none would be the first person it locks out. Audited only when it changed."""
    if required and not has_second_factor(actor):
        raise ValidationError(SET_UP_YOURS_FIRST)
    changed = model_update(instance=account, data={"require_two_step": required})
    if changed:
        record_event(
            "account:updated", on=account, actor=actor, changed=changed, requireTwoStep=required
        )
    return account


@dataclass(frozen=True)
class RemovedSecondFactors:
    passkeys: list[str]  # their names
    authenticator_app: bool
    recovery_codes: int

    @property
    def anything(self) -> bool:
        return bool(self.passkeys or self.authenticator_app or self.recovery_codes)


# Who acted, in the audit payload: a management command has no user behind it.
OPERATOR = "operator"


@transaction.atomic
def second_factors_reset(*, user: User) -> RemovedSecondFactors:
    """The operator's recovery for a person who lost every second factor (run from
    `manage.py remove_second_factors`; no page calls it, so no administrator can remove
    another's factors): every passkey, the authenticator app and the recovery codes go, the
    person is mailed and the account's trail records it. They then sign in with their
    password alone and, where the account requires it, are kept to setting up a new factor."""
    passkeys = Passkey.objects.select_for_update().filter(user=user)
    passkey_names = list(passkeys.order_by("created_at").values_list("name", flat=True))
    passkeys.delete()
    # An app whose setup was never confirmed was no factor: it goes, but is not reported.
    app_deleted = AuthenticatorApp.objects.filter(user=user, confirmed_at__isnull=False).delete()
    AuthenticatorApp.objects.filter(user=user).delete()
    codes_deleted, _ = RecoveryCode.objects.filter(user=user).delete()
    removed = RemovedSecondFactors(
        passkeys=passkey_names,
        authenticator_app=app_deleted[0] > 0,
        recovery_codes=codes_deleted,
    )
    account = account_administered_by(user)
    # A user of no account (a bare superuser) has no audit trail to write to.
    if account is not None:
        record_event(
            "user:second-factors-reset",
            on=account,
            actor=None,
            by=OPERATOR,
            userId=user.id,
            email=user.email,
            passkeys=len(removed.passkeys),
            authenticatorApp=removed.authenticator_app,
            recoveryCodes=removed.recovery_codes,
        )
    security_page = settings.SITE_URL + reverse("accounts:security")
    send_after_commit(
        subject="Your second factors were removed",
        body=(
            f"At your request, the portal's operator removed every second factor of "
            f"{user.email}: passkeys, authenticator app and recovery codes. You now sign in "
            "with your password alone.\n\n"
            f"Set up a new passkey or authenticator app on your Password and authentication "
            f"page:\n{security_page}\n\n"
            "If you did not ask for this, tell your account's administrators and the "
            "operator at once, and change your password."
        ),
        to=user.email,
    )
    return removed
