"""Races, with real transactions and threads on PostgreSQL (under SQLite or a test-case
transaction they could not fail, so they are PostgreSQL-only)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts import services
from accounts.models import AdminInvitation, Membership, User
from tests.factories import administrator_of, make_account
from tests.races import behind_a_transaction

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls):
    """Start every call at the same moment, each on its own connection; return outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", call())
        except ValidationError as error:
            outcomes[index] = ("refused", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def invite_and_accept(account, inviter, email):
    _, link = services.administrator_invite(account=account, actor=inviter, email=email)
    token = link.rstrip("/").rsplit("/", 1)[1]
    return services.invitation_accept(token=token, password="a long and fine passphrase")


def test_two_administrators_removing_each_other_leave_one():
    account = make_account(email="first@example.com")
    first = administrator_of(account)
    second = invite_and_accept(account, first, "second@example.com")

    outcomes = run_together(
        lambda: services.administrator_remove(account=account, actor=first, user=second),
        lambda: services.administrator_remove(account=account, actor=second, user=first),
    )

    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert Membership.objects.filter(account=account).count() == 1


def test_an_invitation_link_is_spent_once_under_concurrent_acceptance():
    account = make_account(email="owner@example.com")
    owner = administrator_of(account)
    _, link = services.administrator_invite(account=account, actor=owner, email="new@example.com")
    token = link.rstrip("/").rsplit("/", 1)[1]

    outcomes = run_together(
        *[lambda: services.invitation_accept(token=token, password="a long and fine passphrase")]
        * 4
    )

    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused", "refused", "refused"]
    assert User.objects.filter(email="new@example.com").count() == 1
    assert AdminInvitation.objects.get().accepted_at is not None


def test_inviting_one_email_twice_at_once_leaves_one_pending_invitation():
    account = make_account(email="inviter@example.com")
    inviter = administrator_of(account)
    services.administrator_invite(account=account, actor=inviter, email="twice@example.com")

    outcomes = run_together(
        *[
            lambda: services.administrator_invite(
                account=account, actor=inviter, email="twice@example.com"
            )
        ]
        * 3
    )

    assert [kind for kind, _ in outcomes] == ["ok", "ok", "ok"]
    assert AdminInvitation.objects.filter(account=account, email="twice@example.com").count() == 1
    (pending,) = AdminInvitation.objects.all()
    assert pending.pk in {invitation.pk for _, (invitation, _link) in outcomes}


def test_resend_and_acceptance_at_once_never_leave_a_live_link_behind():
    account = make_account(email="resender@example.com")
    owner = administrator_of(account)
    invitation, link = services.administrator_invite(
        account=account, actor=owner, email="racer@example.com"
    )
    token = link.rstrip("/").rsplit("/", 1)[1]

    outcomes = run_together(
        lambda: services.invitation_accept(token=token, password="a long and fine passphrase"),
        lambda: services.administrator_invitation_resend(invitation=invitation, actor=owner),
    )

    accepted, resent = outcomes
    if accepted[0] == "ok":
        # The resend lost: it changed nothing, and the user exists once.
        assert resent[0] == "refused"
        assert AdminInvitation.objects.get().accepted_at is not None
    else:
        # The resend won: the old link was dead by the time acceptance spent it.
        assert resent[0] == "ok"
        assert services.invitation_for_token(token) is None
        assert not User.objects.filter(email="racer@example.com").exists()


def test_renaming_an_environment_to_a_name_taken_meanwhile_is_refused_as_a_duplicate():
    account = make_account(email="renamer@example.com")
    admin = administrator_of(account)
    development, production = account.environments.order_by("name")

    kind, outcome = behind_a_transaction(
        lambda: services.environment_create(account=account, actor=admin, name="Staging"),
        lambda: services.environment_update(environment=development, actor=admin, name="staging"),
    )

    assert kind == "refused"
    assert outcome.message_dict == {"name": [services.DUPLICATE_ENVIRONMENT]}
    assert development.name == "development"  # the page that says so shows it as it is
    assert sorted(account.environments.values_list("name", flat=True)) == [
        "Staging",
        "development",
        "production",
    ]
