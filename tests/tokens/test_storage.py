"""The database never holds a token, a secret key or a secret value in plain text: every
table is dumped and searched for the raw values."""

import base64

import pytest
from django.db import connection

from tests.factories import SpaceFactory, administrator_of, development, make_account
from tokens import services
from tokens.models import ApiKey


def dump_every_table() -> str:
    """Every row of every table, as text, straight from the database."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(rows)


@pytest.mark.django_db(transaction=True)
def test_no_credential_or_secret_value_is_stored_in_clear():
    account = make_account(email="storage@example.com")
    user = administrator_of(account)
    environment = development(account)
    space = SpaceFactory(environment=environment)

    _, pat = services.personal_access_token_create(user=user, name="dump me")
    token, regenerated = services.personal_access_token_regenerate(
        token=services.personal_access_token_create(user=user, name="regen")[0], actor=user
    )
    _, client_secret = services.client_credential_create(user=user)
    secret_key = services.api_key_roll(
        environment=environment, actor=user, key_type=ApiKey.Type.SECRET
    ).raw
    rolled_secret_key = services.api_key_roll(
        environment=environment,
        actor=user,
        key_type=ApiKey.Type.SECRET,
        keep_old_for=services.ROLL_GRACE_CHOICES["1h"],
    ).raw
    services.secret_upsert(
        environment=environment, actor=user, name="DB_PASSWORD", value="hunter2-env-level"
    )
    services.secret_upsert(
        environment=environment, actor=user, name="DB_PASSWORD", value="hunter2-space", space=space
    )

    dump = dump_every_table()
    assert "DB_PASSWORD" in dump  # the dump does contain the tables we wrote to
    for value in (
        pat,
        regenerated,
        client_secret,
        secret_key,
        rolled_secret_key,
        "hunter2-env-level",
        "hunter2-space",
    ):
        assert value not in dump
        assert base64.b64encode(value.encode()).decode() not in dump
    # Nor do the keys that were made with the environments.
    for key in ApiKey.objects.filter(type=ApiKey.Type.SECRET):
        assert key.raw_key.startswith("sk_")
        assert key.raw_key not in dump
