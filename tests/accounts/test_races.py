"""Races, with real transactions and threads on PostgreSQL (under SQLite or a test-case
transaction they could not fail, so they are PostgreSQL-only)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts import services
from accounts.models import AdminInvitation, Membership, User
from tests.factories import administrator_of, make_account

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
