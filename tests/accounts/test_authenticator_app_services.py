"""The authenticator app's and recovery codes' services, and the second step's check
(`verify_second_step_code`): codes of the current step and its neighbours, never twice,
recovery codes once, only digests kept, audit events and mails."""

import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pyotp
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from accounts import services
from accounts.models import AuthenticatorApp, Event, RecoveryCode
from accounts.services import second_factors
from accounts.services.second_factors import (
    authenticator_app_secret,
    recovery_code_digest,
    recovery_codes_left,
)
from portal.encryption import decrypt
from tests.factories import administrator_of, make_account


def code_at(secret: str, moment) -> str:
    return pyotp.TOTP(secret).at(moment)


def set_up_app(user) -> tuple[str, list[str]]:
    """A confirmed app for `user`: its secret and the recovery codes confirming made. The
    confirming code is of the step before the current one, leaving the current step's code
    for the test."""
    app, _ = services.authenticator_app_begin(user)
    secret = authenticator_app_secret(app)
    codes = services.authenticator_app_confirm(
        user, code_at(secret, timezone.now() - timedelta(seconds=30))
    )
    return secret, codes


def test_begin_makes_an_unconfirmed_app_with_an_encrypted_secret_and_its_uri(admin_user):
    app, uri = services.authenticator_app_begin(admin_user)
    secret = decrypt(app.secret)
    assert app.confirmed_at is None
    assert secret not in app.secret  # stored encrypted
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert pyotp.parse_uri(uri).secret == secret
    # Not a factor yet.
    from accounts.two_step import has_second_factor

    assert not has_second_factor(admin_user)


def test_begin_again_replaces_an_unconfirmed_secret(admin_user):
    first, _ = services.authenticator_app_begin(admin_user)
    second, _ = services.authenticator_app_begin(admin_user)
    assert AuthenticatorApp.objects.filter(user=admin_user).count() == 1
    assert decrypt(first.secret) != decrypt(second.secret)
    # The first secret's codes no longer confirm.
    with pytest.raises(ValidationError):
        services.authenticator_app_confirm(admin_user, pyotp.TOTP(decrypt(first.secret)).now())


def test_begin_refuses_while_a_confirmed_app_is_set_up(admin_user):
    set_up_app(admin_user)
    with pytest.raises(ValidationError):
        services.authenticator_app_begin(admin_user)
    assert AuthenticatorApp.objects.get(user=admin_user).confirmed_at is not None


def test_confirm_with_a_correct_code_confirms_audits_mails_and_makes_recovery_codes(
    admin_user, account, django_capture_on_commit_callbacks
):
    app, _ = services.authenticator_app_begin(admin_user)
    mail.outbox.clear()
    secret = decrypt(app.secret)
    window = {code_at(secret, timezone.now() + timedelta(seconds=30 * n)) for n in range(-2, 3)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in window)
    with pytest.raises(ValidationError):
        services.authenticator_app_confirm(admin_user, wrong)
    assert AuthenticatorApp.objects.get(user=admin_user).confirmed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        codes = services.authenticator_app_confirm(admin_user, pyotp.TOTP(secret).now())
    app.refresh_from_db()
    assert app.confirmed_at is not None
    assert len(codes) == 10 and len(set(codes)) == 10
    assert recovery_codes_left(admin_user) == 10
    topics = list(Event.objects.filter(account=account).values_list("topic", flat=True))
    assert "user:authenticator-app-added" in topics
    assert "user:recovery-codes-generated" in topics
    subjects = [message.subject for message in mail.outbox]
    assert "An authenticator app was added to your account" in subjects
    assert all(message.to == [admin_user.email] for message in mail.outbox)
    # No code or secret in any mail.
    assert not any(code in message.body for message in mail.outbox for code in codes)


def test_confirm_keeps_existing_recovery_codes(admin_user):
    earlier = services.recovery_codes_generate(admin_user)
    _, codes = set_up_app(admin_user)
    assert codes == []
    assert services.verify_second_step_code(admin_user, earlier[0]) == "recovery code"


def test_the_code_that_confirmed_does_not_sign_in(admin_user):
    app, _ = services.authenticator_app_begin(admin_user)
    code = pyotp.TOTP(decrypt(app.secret)).now()
    services.authenticator_app_confirm(admin_user, code)
    assert services.verify_second_step_code(admin_user, code) is None


def test_remove_audits_and_mails_and_the_codes_stop_working(
    admin_user, account, other_admin, django_capture_on_commit_callbacks
):
    secret, _ = set_up_app(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.authenticator_app_remove(admin_user, actor=other_admin)
    assert not AuthenticatorApp.objects.filter(user=admin_user).exists()
    event = Event.objects.get(account=account, topic="user:authenticator-app-removed")
    assert event.actor_id == other_admin.id and event.payload == {"userId": admin_user.id}
    assert [message.subject for message in mail.outbox] == [
        "An authenticator app was removed from your account"
    ]
    assert services.verify_second_step_code(admin_user, pyotp.TOTP(secret).now()) is None
    with pytest.raises(ValidationError):
        services.authenticator_app_remove(admin_user, actor=admin_user)


# A moment in the middle of a time step, the clock the service reads stopped there: each
# test knows exactly which codes are current.
MOMENT = datetime(2026, 3, 1, 12, 0, 15, tzinfo=UTC)


@pytest.fixture
def stopped_clock(monkeypatch):
    monkeypatch.setattr(second_factors, "timezone", SimpleNamespace(now=lambda: MOMENT))


@pytest.fixture
def app_secret(admin_user, stopped_clock):
    """The secret of `admin_user`'s app, confirmed long ago (no step used yet)."""
    app, _ = services.authenticator_app_begin(admin_user)
    AuthenticatorApp.objects.filter(pk=app.pk).update(confirmed_at=MOMENT - timedelta(days=1))
    secret = decrypt(app.secret)
    # Seven different codes around the moment, or the tests below would prove nothing.
    assert len({code_at(secret, MOMENT + timedelta(seconds=30 * n)) for n in range(-3, 4)}) == 7
    return secret


@pytest.mark.parametrize("offset", [-30, 0, 30])
def test_a_code_of_the_current_step_or_either_neighbour_is_accepted(admin_user, app_secret, offset):
    code = code_at(app_secret, MOMENT + timedelta(seconds=offset))
    assert services.verify_second_step_code(admin_user, code) == "authenticator app"
    app = AuthenticatorApp.objects.get(user=admin_user)
    assert app.last_used_at == MOMENT
    assert app.last_used_step == pyotp.TOTP(app_secret).timecode(MOMENT) + offset // 30


@pytest.mark.parametrize("offset", [-90, -60, 60, 90])
def test_a_code_two_steps_away_or_more_is_refused(admin_user, app_secret, offset):
    code = code_at(app_secret, MOMENT + timedelta(seconds=offset))
    assert services.verify_second_step_code(admin_user, code) is None


def test_a_code_is_refused_the_second_time_and_an_earlier_step_after_a_later(
    admin_user, app_secret
):
    current = code_at(app_secret, MOMENT)
    assert services.verify_second_step_code(admin_user, current) == "authenticator app"
    assert services.verify_second_step_code(admin_user, current) is None
    # The previous step's code is still inside the window, but older than the one used.
    previous = code_at(app_secret, MOMENT - timedelta(seconds=30))
    assert services.verify_second_step_code(admin_user, previous) is None
    # The next step's is newer: it passes, once.
    following = code_at(app_secret, MOMENT + timedelta(seconds=30))
    assert services.verify_second_step_code(admin_user, following) == "authenticator app"
    assert services.verify_second_step_code(admin_user, following) is None


def test_a_wrong_code_is_refused_and_spends_nothing(admin_user, app_secret):
    window = {code_at(app_secret, MOMENT + timedelta(seconds=30 * n)) for n in (-1, 0, 1)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in window)
    assert services.verify_second_step_code(admin_user, wrong) is None
    assert AuthenticatorApp.objects.get(user=admin_user).last_used_step == 0
    assert services.verify_second_step_code(admin_user, code_at(app_secret, MOMENT)) is not None


def test_an_unconfirmed_app_gives_no_second_step(admin_user):
    app, _ = services.authenticator_app_begin(admin_user)
    assert (
        services.verify_second_step_code(admin_user, pyotp.TOTP(decrypt(app.secret)).now()) is None
    )


def test_another_persons_code_is_refused(admin_user, other_admin):
    secret, _ = set_up_app(other_admin)
    set_up_app(admin_user)
    assert services.verify_second_step_code(admin_user, pyotp.TOTP(secret).now()) is None


def test_recovery_codes_are_stored_as_digests_only_and_replace_the_old_set(admin_user, account):
    first = services.recovery_codes_generate(admin_user)
    second = services.recovery_codes_generate(admin_user)
    assert len(second) == 10 and not set(first) & set(second)
    stored = list(RecoveryCode.objects.filter(user=admin_user).values_list("digest", flat=True))
    assert sorted(stored) == sorted(recovery_code_digest(code.replace("-", "")) for code in second)
    for code in second:
        assert len(code) == 11 and code[5] == "-"
        assert not RecoveryCode.objects.filter(digest__contains=code.replace("-", "")).exists()
    assert services.verify_second_step_code(admin_user, first[0]) is None
    assert Event.objects.filter(account=account, topic="user:recovery-codes-generated").count() == 2


def test_a_recovery_code_works_once_audits_and_mails(
    admin_user, account, django_capture_on_commit_callbacks
):
    codes = services.recovery_codes_generate(admin_user)
    # Spaces, a missing dash and upper case are how people type them.
    typed = " " + codes[3].replace("-", " ").upper() + " "
    with django_capture_on_commit_callbacks(execute=True):
        assert services.verify_second_step_code(admin_user, typed) == "recovery code"
    assert services.verify_second_step_code(admin_user, codes[3]) is None
    assert recovery_codes_left(admin_user) == 9
    event = Event.objects.get(account=account, topic="user:recovery-code-used")
    assert event.payload == {"userId": admin_user.id, "left": 9}
    assert [message.subject for message in mail.outbox] == [
        "A recovery code of your account was used"
    ]
    assert "9 recovery codes are left" in mail.outbox[0].body
    assert codes[3] not in mail.outbox[0].body


def test_another_persons_recovery_code_is_refused(admin_user, other_admin):
    codes = services.recovery_codes_generate(other_admin)
    assert services.verify_second_step_code(admin_user, codes[0]) is None
    assert recovery_codes_left(other_admin) == 10


@pytest.mark.parametrize(
    "junk",
    [
        None,
        123456,
        ["123456"],
        b"123456",
        "",
        "   ",
        "-",
        "x" * 10_000,
        "12345",
        "1234567",
        "１２３４５６",
        "abcde-fghij" * 7,
        "\x00" * 6,
        "12345\n",
    ],
)
def test_junk_is_none(admin_user, junk):
    set_up_app(admin_user)
    assert services.verify_second_step_code(admin_user, junk) is None


def test_a_user_of_no_account_records_no_event_but_is_still_mailed(
    db, django_capture_on_commit_callbacks
):
    from accounts.models import User

    superuser = User.objects.create_superuser(email="root@example.com", password="x" * 20)
    codes = services.recovery_codes_generate(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.verify_second_step_code(superuser, codes[0]) == "recovery code"
    assert not Event.objects.exists()
    assert mail.outbox[-1].to == ["root@example.com"]


def _together(count, work):
    """Run `work` in `count` threads released at once, each on its own connection."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        try:
            barrier.wait()
            results[index] = work()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_recovery_code_sent_twice_at_once_is_accepted_once():
    user = administrator_of(make_account(email="race-recovery@example.com"))
    code = services.recovery_codes_generate(user)[0]
    results = _together(4, lambda: services.verify_second_step_code(user, code))
    assert results.count("recovery code") == 1 and results.count(None) == 3
    assert Event.objects.filter(topic="user:recovery-code-used").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_app_code_sent_twice_at_once_is_accepted_once():
    user = administrator_of(make_account(email="race-totp@example.com"))
    app, _ = services.authenticator_app_begin(user)
    AuthenticatorApp.objects.filter(pk=app.pk).update(confirmed_at=timezone.now())
    code = pyotp.TOTP(decrypt(app.secret)).now()
    results = _together(4, lambda: services.verify_second_step_code(user, code))
    assert results.count("authenticator app") == 1 and results.count(None) == 3


def test_confirm_without_a_setup_begun_is_refused(admin_user):
    with pytest.raises(ValidationError, match="Start the authenticator app's setup again"):
        services.authenticator_app_confirm(admin_user, "123456")
    assert not AuthenticatorApp.objects.filter(user=admin_user).exists()


def test_removing_an_unfinished_setup_tells_no_one(
    admin_user, account, django_capture_on_commit_callbacks
):
    services.authenticator_app_begin(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.authenticator_app_remove(admin_user, actor=admin_user)
    assert not AuthenticatorApp.objects.filter(user=admin_user).exists()
    assert not Event.objects.filter(topic="user:authenticator-app-removed").exists()
    assert mail.outbox == []
