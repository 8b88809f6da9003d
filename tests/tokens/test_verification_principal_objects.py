"""The principal a verified credential gives: its objects come linked from the verifying
query's row, and each loads the rest of its fields in one query."""

from tests.factories import development
from tests.tokens.verification_helpers import rolled_key
from tokens import services
from tokens.verification import verify


def test_principal_objects_come_linked_and_load_the_rest_in_one_query_each(
    account, admin_user, django_assert_num_queries
):
    environment = development(account)
    key, secret_key = rolled_key(environment, admin_user)
    token, pat = services.personal_access_token_create(user=admin_user, name="linked")
    by_key, by_pat = verify(secret_key), verify(pat)
    with django_assert_num_queries(0):  # linked from the verifying query's row
        assert by_key.credential == key
        assert by_key.credential.environment.account == account
        assert by_key.environment.account_id == account.id
        assert by_pat.credential == token
        assert by_pat.credential.user.membership.account == account
    # The lookup reads only what verification needs; an object's other fields come all
    # together on first use, not one query per field.
    with django_assert_num_queries(1):
        assert by_pat.user.email == admin_user.email
        assert by_pat.user.name == admin_user.name
        assert by_pat.user.created_at == admin_user.created_at
    with django_assert_num_queries(1):
        assert by_pat.account.name == account.name
        assert by_pat.account.metadata == account.metadata
    with django_assert_num_queries(1):
        assert by_key.environment.name == environment.name
        assert by_key.environment.is_prod == environment.is_prod
    with django_assert_num_queries(1):
        assert by_pat.credential.name == "linked"
        assert by_pat.credential.last_four == token.last_four
        assert by_pat.credential.expires_at is None
