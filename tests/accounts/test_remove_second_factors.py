"""`manage.py remove_second_factors <email>`: the operator's way back in for a person who
lost every second factor."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts import services
from accounts.models import AuthenticatorApp, Event, Passkey, RecoveryCode, User
from tests.factories import DEFAULT_PASSWORD
from tests.two_step_policy_helpers import add_authenticator_app, add_passkey


def run(*args) -> str:
    out = StringIO()
    call_command("remove_second_factors", *args, stdout=out)
    return out.getvalue()


def test_every_factor_goes_audited_and_mailed(
    account, admin_user, other_admin, mailoutbox, django_capture_on_commit_callbacks
):
    add_passkey(admin_user, "Laptop")
    add_passkey(admin_user, "Phone")
    add_authenticator_app(admin_user)
    services.recovery_codes_generate(admin_user)
    # Another person's factors are not touched.
    add_passkey(other_admin, "Theirs")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        out = run(f"  {admin_user.email.upper()} ")
    assert "Removed 2 passkey(s): Laptop, Phone" in out
    assert "Removed the authenticator app." in out
    assert "Removed 10 recovery code(s)." in out
    assert not Passkey.objects.filter(user=admin_user).exists()
    assert not AuthenticatorApp.objects.filter(user=admin_user).exists()
    assert not RecoveryCode.objects.filter(user=admin_user).exists()
    assert Passkey.objects.filter(user=other_admin).count() == 1
    (event,) = Event.objects.filter(topic="user:second-factors-reset")
    assert event.account_id == account.id
    assert event.actor_id == ""  # no user acted: the operator, said in the payload
    assert event.payload == {
        "by": "operator",
        "userId": admin_user.id,
        "email": admin_user.email,
        "passkeys": 2,
        "authenticatorApp": True,
        "recoveryCodes": 10,
    }
    (mail,) = mailoutbox
    assert mail.to == [admin_user.email]
    assert "removed every second factor" in mail.body
    assert "/profile/security/" in mail.body


def test_the_person_signs_in_with_their_password_again(client, admin_user):
    add_authenticator_app(admin_user)
    run(admin_user.email)
    response = client.post("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert response["Location"] == "/"  # no second step asked


def test_an_unconfirmed_setup_goes_unreported(admin_user):
    add_authenticator_app(admin_user, confirmed=False)
    out = run(admin_user.email)
    assert "had no second factor: nothing was removed" in out
    assert not AuthenticatorApp.objects.filter(user=admin_user).exists()
    (event,) = Event.objects.filter(topic="user:second-factors-reset")
    assert event.payload["authenticatorApp"] is False


def test_an_unknown_email_is_refused_with_a_non_zero_exit(admin_user):
    add_passkey(admin_user)
    with pytest.raises(CommandError, match="No user has the email 'nobody@example.com'"):
        run("nobody@example.com")
    assert Passkey.objects.filter(user=admin_user).exists()
    assert not Event.objects.filter(topic="user:second-factors-reset").exists()


def test_a_user_of_no_account_is_reset_without_a_trail(db, mailoutbox):
    root = User.objects.create_superuser(email="root@example.com", password="x" * 12)
    add_passkey(root)
    assert "Removed 1 passkey(s)" in run("root@example.com")
    assert not Passkey.objects.filter(user=root).exists()
    assert not Event.objects.exists()


def test_no_page_removes_another_persons_factors():
    # The only caller of the reset is the command: no view imports it.
    from pathlib import Path

    from django.conf import settings

    callers = [
        path
        for path in Path(settings.BASE_DIR).glob("*/**/*.py")
        if ".venv" not in path.parts
        and "tests" not in path.parts
        and "second_factors_reset" in path.read_text()
    ]
    assert sorted(str(p.relative_to(settings.BASE_DIR)) for p in callers) == [
        "accounts/management/commands/remove_second_factors.py",
        "accounts/services/__init__.py",
        "accounts/services/two_step_policy.py",
    ]


def test_the_django_admin_offers_no_second_factor_either():
    from django.contrib import admin

    for model in (Passkey, AuthenticatorApp, RecoveryCode):
        assert not admin.site.is_registered(model), model
