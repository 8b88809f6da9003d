import logging
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Account
from guests.models import SpaceGrant
from guests.services import space_grant_record_access
from portal.services import model_update, record_use
from tests.factories import SpaceFactory, development, make_account
from tests.guests.conftest import make_guest
from tests.races import row_locked_elsewhere
from tokens.models import PersonalAccessToken
from tokens.services import personal_access_token_create


def test_model_update_saves_only_what_differs_with_updated_at(account, django_assert_num_queries):
    before = account.updated_at
    with django_assert_num_queries(1) as captured:
        changed = model_update(instance=account, data={"name": "Renamed", "metadata": {}})
    assert changed == ["name"]
    (update,) = captured.captured_queries
    assert '"name"' in update["sql"] and '"updated_at"' in update["sql"]
    assert '"metadata"' not in update["sql"]
    stored = Account.objects.get(pk=account.pk)
    assert stored.name == "Renamed" and stored.updated_at > before


def test_model_update_with_nothing_changed_saves_nothing(account, django_assert_num_queries):
    environment = development(account)
    with django_assert_num_queries(0):
        changed = model_update(instance=environment, data={"name": environment.name})
    assert changed == []


def test_model_update_returns_the_changed_fields_sorted(admin_user):
    token, _ = personal_access_token_create(user=admin_user, name="t")
    # A model without updated_at is saved with only its own fields.
    changed = model_update(instance=token, data={"name": "z", "last_four": "abcd"})
    assert changed == ["last_four", "name"]
    stored = PersonalAccessToken.objects.get(pk=token.pk)
    assert (stored.name, stored.last_four) == ("z", "abcd")


def test_record_use_notes_a_use_at_most_once_a_minute(admin_user):
    token, _ = personal_access_token_create(user=admin_user, name="t")
    now = timezone.now()
    record_use(model=PersonalAccessToken, pk=token.pk, field="last_used_at", now=now)
    token.refresh_from_db()
    assert token.last_used_at == now
    record_use(
        model=PersonalAccessToken,
        pk=token.pk,
        field="last_used_at",
        now=now + timedelta(seconds=59),
    )
    token.refresh_from_db()
    assert token.last_used_at == now  # within the minute: not written again
    later = now + timedelta(seconds=61)
    record_use(model=PersonalAccessToken, pk=token.pk, field="last_used_at", now=later)
    token.refresh_from_db()
    assert token.last_used_at == later


def test_record_use_never_fails_the_request(admin_user, monkeypatch, caplog):
    token, raw = personal_access_token_create(user=admin_user, name="t")

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(QuerySet, "update", locked)
    with caplog.at_level(logging.WARNING, logger="portal.services"):
        record_use(model=PersonalAccessToken, pk=token.pk, field="last_used_at", now=timezone.now())
    assert f"Could not record last use of PersonalAccessToken {token.pk}" in caplog.text
    assert raw not in caplog.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_locked_grant_neither_blocks_nor_fails_recording_access():
    environment = development(make_account(email="lock@example.com"))
    space = SpaceFactory(environment=environment)
    grant = SpaceGrant.objects.get(guest=make_guest(environment, spaces=[space]))
    with row_locked_elsewhere(SpaceGrant, grant.pk):
        # Another transaction holds the row: the page is served, and the time skipped.
        space_grant_record_access(grant=grant)
        assert SpaceGrant.objects.get(pk=grant.pk).last_accessed_at is None
    space_grant_record_access(grant=SpaceGrant.objects.get(pk=grant.pk))
    assert SpaceGrant.objects.get(pk=grant.pk).last_accessed_at is not None
