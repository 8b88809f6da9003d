"""Second factors: an authenticator app (TOTP, RFC 6238, through pyotp) and recovery codes,
and the check the second step of signing in makes (`verify_second_step_code`).

An app's shared secret is kept encrypted (it must be read again to check codes); recovery
codes only as SHA-256 digests (shown once, when made). Every code is spent with a
conditional UPDATE, so two requests carrying the same code cannot both pass."""

import hashlib
import secrets

import pyotp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.access import account_administered_by
from accounts.audit import Actor, record_event
from accounts.models import AuthenticatorApp, RecoveryCode, User
from portal.encryption import decrypt, encrypt
from portal.mail import send_after_commit

AUTHENTICATOR_APP = "authenticator app"
RECOVERY_CODE = "recovery code"
RECOVERY_CODE_COUNT = 10
# 10 base32 characters: 50 bits each, out of reach of guessing within the sign-in limits.
RECOVERY_CODE_LENGTH = 10
TOTP_DIGITS = 6
TOTP_INTERVAL = 30
# A code of the step before or after the current one is accepted too (clocks drift, typing
# takes time): three codes are valid at any moment.
TOTP_VALID_WINDOW = 1
# Longer input is no code of ours, whatever it holds: refused before any normalisation.
MAX_CODE_INPUT = 64
_BASE32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # RFC 4648, in lower case

NOT_A_CODE = "That code is not right. Enter the 6-digit code your app shows now."
ALREADY_SET_UP = "An authenticator app is already set up: remove it first to set up another."
NOT_STARTED = "Start the authenticator app's setup again: it was not begun or was replaced."


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL)


def _normalize(code) -> str | None:
    """The code as typed, without the spaces and dashes people add, in lower case; None for
    anything that is not a short string."""
    if not isinstance(code, str) or len(code) > MAX_CODE_INPUT:
        return None
    return "".join(code.split()).replace("-", "").lower()


def _matching_step(app: AuthenticatorApp, code: str) -> int | None:
    """The newest time step, among the current one and its neighbours, whose code is
    `code`."""
    if len(code) != TOTP_DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = _totp(decrypt(app.secret))
    now_step = totp.timecode(timezone.now())
    for step in range(now_step + TOTP_VALID_WINDOW, now_step - TOTP_VALID_WINDOW - 1, -1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def recovery_code_digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def mail_second_factor_change(user: User, subject: str, what: str) -> None:
    """Tell the person a way into their account changed (a factor added or removed, a
    recovery code used), with where to check it if it was not them."""
    security_page = settings.SITE_URL + reverse("accounts:security")
    send_after_commit(
        subject=subject,
        body=(
            f"{what}\n\n"
            "If this was not you, sign in, change your password and check the second "
            f"factors on your Password and authentication page:\n{security_page}\n"
        ),
        to=user.email,
    )


# Authenticator app ---------------------------------------------------------------------------


@transaction.atomic
def authenticator_app_begin(user: User) -> tuple[AuthenticatorApp, str]:
    """A new, unconfirmed authenticator app for `user` (replacing one not confirmed yet) and
    its otpauth:// URI for the QR code. It counts as a factor once a code confirms it."""
    existing = AuthenticatorApp.objects.select_for_update().filter(user=user).first()
    if existing is not None and existing.confirmed_at is not None:
        raise ValidationError(ALREADY_SET_UP)
    secret = pyotp.random_base32()  # 160 bits from the OS
    app, _ = AuthenticatorApp.objects.update_or_create(
        user=user,
        defaults={
            "secret": encrypt(secret),
            "confirmed_at": None,
            "last_used_step": 0,
            "last_used_at": None,
        },
    )
    return app, authenticator_app_uri(app)


def authenticator_app_uri(app: AuthenticatorApp) -> str:
    return _totp(decrypt(app.secret)).provisioning_uri(
        name=app.user.email, issuer_name=settings.WEBAUTHN_RP_NAME
    )


def authenticator_app_secret(app: AuthenticatorApp) -> str:
    """The shared secret, for the setup page that shows it as text beside the QR code."""
    return decrypt(app.secret)


@transaction.atomic
def authenticator_app_confirm(user: User, code: str) -> list[str]:
    """Confirm the app begun by `authenticator_app_begin` with a first correct code, which is
    spent (it will not sign in). Returns the recovery codes made now if the person had none
    (shown once), else an empty list. Raises ValidationError for a wrong code."""
    app = (
        AuthenticatorApp.objects.select_for_update()
        .filter(user=user, confirmed_at__isnull=True)
        .first()
    )
    if app is None:
        raise ValidationError(NOT_STARTED)
    normalized = _normalize(code)
    step = _matching_step(app, normalized) if normalized else None
    if step is None:
        raise ValidationError(NOT_A_CODE)
    # The step is spent (its code will not sign in); the app is not yet "used" to sign in.
    app.confirmed_at = timezone.now()
    app.last_used_step = step
    app.save(update_fields=["confirmed_at", "last_used_step"])
    # A user of no account (a bare superuser) has no audit trail to write to.
    account = account_administered_by(user)
    if account is not None:
        record_event("user:authenticator-app-added", on=account, actor=user, userId=user.id)
    mail_second_factor_change(
        user,
        "An authenticator app was added to your account",
        f"An authenticator app was set up as a second step for signing in as {user.email}.",
    )
    if user.recovery_codes.filter(used_at__isnull=True).exists():
        return []
    return recovery_codes_generate(user)


@transaction.atomic
def authenticator_app_remove(user: User, actor: Actor) -> None:
    """Remove `user`'s authenticator app (confirmed or not): its codes stop working at once.
    Raises ValidationError if there is none."""
    app = AuthenticatorApp.objects.select_for_update().filter(user=user).first()
    if app is None:
        raise ValidationError("There is no authenticator app to remove.")
    was_confirmed = app.confirmed_at is not None
    app.delete()
    if not was_confirmed:
        return  # an unfinished setup was never a factor: nothing to tell anyone
    # A user of no account (a bare superuser) has no audit trail to write to.
    account = account_administered_by(user)
    if account is not None:
        record_event("user:authenticator-app-removed", on=account, actor=actor, userId=user.id)
    mail_second_factor_change(
        user,
        "An authenticator app was removed from your account",
        f"The authenticator app was removed from {user.email}: its codes no longer sign in.",
    )


# Recovery codes -------------------------------------------------------------------------------


def _new_recovery_code() -> str:
    code = "".join(secrets.choice(_BASE32_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return f"{code[:5]}-{code[5:]}"


@transaction.atomic
def recovery_codes_generate(user: User) -> list[str]:
    """RECOVERY_CODE_COUNT new recovery codes for `user`, replacing every earlier one (used
    or not). Returned once, in plain text; only their digests are kept."""
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, digest=recovery_code_digest(code.replace("-", "")))
        for code in codes
    )
    # A user of no account (a bare superuser) has no audit trail to write to.
    account = account_administered_by(user)
    if account is not None:
        record_event(
            "user:recovery-codes-generated",
            on=account,
            actor=user,
            userId=user.id,
            count=RECOVERY_CODE_COUNT,
        )
    mail_second_factor_change(
        user,
        "New recovery codes were made for your account",
        f"New recovery codes were made for {user.email}; the earlier ones no longer work.",
    )
    return codes


def recovery_codes_left(user: User) -> int:
    return user.recovery_codes.filter(used_at__isnull=True).count()


def recovery_codes_unused(user: User, codes: list[str]) -> list[str]:
    """Those of `codes` that are unused recovery codes of `user`, as typed: the download of
    codes just shown hands back only codes the person holds, never text of anyone's
    choosing."""
    by_digest = {}
    for code in codes:
        normalized = _normalize(code)
        if normalized and len(normalized) == RECOVERY_CODE_LENGTH:
            by_digest[recovery_code_digest(normalized)] = code
    held = set(
        user.recovery_codes.filter(used_at__isnull=True, digest__in=by_digest).values_list(
            "digest", flat=True
        )
    )
    return [code for digest, code in by_digest.items() if digest in held]


# The second step ------------------------------------------------------------------------------


def _spend_totp(user: User, code: str) -> bool:
    app = AuthenticatorApp.objects.filter(user=user, confirmed_at__isnull=False).first()
    step = _matching_step(app, code) if app is not None else None
    if step is None:
        return False
    # Conditional: of two requests with the same code, or an older one, only one moves the
    # step forward; the other updates nothing and is refused.
    return (
        AuthenticatorApp.objects.filter(
            pk=app.pk, confirmed_at__isnull=False, last_used_step__lt=step
        ).update(last_used_step=step, last_used_at=timezone.now())
        == 1
    )


@transaction.atomic
def _spend_recovery_code(user: User, code: str) -> bool:
    if len(code) != RECOVERY_CODE_LENGTH or not set(code) <= set(_BASE32_ALPHABET):
        return False
    spent = RecoveryCode.objects.filter(
        user=user, digest=recovery_code_digest(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    if spent != 1:
        return False
    left = recovery_codes_left(user)
    # A user of no account (a bare superuser) has no audit trail to write to.
    account = account_administered_by(user)
    if account is not None:
        record_event("user:recovery-code-used", on=account, actor=user, userId=user.id, left=left)
    mail_second_factor_change(
        user,
        "A recovery code of your account was used",
        # Signing in, or confirming a dangerous action (re-authentication), both spend one.
        f"One of the recovery codes of {user.email} was just used to prove it was you. It "
        f"will not work again; {left} recovery codes are left.",
    )
    return True


def verify_second_step_code(user: User, code: str) -> str | None:
    """Accept `code` as `user`'s second step: a current code of their confirmed
    authenticator app (never one of a step already used, or earlier) or one of their unused
    recovery codes (spent now). Returns AUTHENTICATOR_APP or RECOVERY_CODE for what was
    accepted, None for anything else (junk included)."""
    normalized = _normalize(code)
    if not normalized:
        return None
    if _spend_totp(user, normalized):
        return AUTHENTICATOR_APP
    if _spend_recovery_code(user, normalized):
        return RECOVERY_CODE
    return None
