"""Revocation is seen by every process: two connections, real transactions. A credential row
locked elsewhere neither blocks nor fails verification, and a deletion in one connection is
refused by another at once."""

import threading

import pytest

from tests.factories import administrator_of, make_account
from tests.races import row_locked_elsewhere
from tokens import services
from tokens.models import PersonalAccessToken
from tokens.verification import verify


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_locked_credential_row_neither_blocks_nor_fails_verification():
    account = make_account(email="lock@example.com")
    user = administrator_of(account)
    token, raw = services.personal_access_token_create(user=user, name="locked")
    with row_locked_elsewhere(PersonalAccessToken, token.pk):
        # Another transaction holds the row: the use is verified, and its time skipped.
        assert verify(raw).user == user
        token.refresh_from_db()
        assert token.last_used_at is None
    verify(raw)
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_deletion_in_one_connection_is_refused_by_another_at_once():
    account = make_account(email="revoke@example.com")
    user = administrator_of(account)
    token, raw = services.personal_access_token_create(user=user, name="revoked")
    assert verify(raw) is not None
    results = []

    def delete_elsewhere():
        from django.db import connection as thread_connection

        try:
            services.personal_access_token_delete(
                token=PersonalAccessToken.objects.get(pk=token.pk), actor=user
            )
        finally:
            thread_connection.close()

    worker = threading.Thread(target=delete_elsewhere)
    worker.start()
    worker.join()
    results.append(verify(raw))
    assert results == [None]
