"""Guest access tokens are verified like every credential: one query, against the guest's
rows as they are now, so deletion or removal refuses them on the very next request."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guests import services
from guests.access import GuestPrincipal
from guests.verification import GUEST_LOOKUP, GUEST_SPACE_LOOKUP
from tests.factories import SpaceFactory
from tokens import access_tokens
from tokens.principal import Principal
from tokens.verification import verify


def test_the_settings_name_the_guests_resolver_which_makes_a_narrowing_principal():
    assert (
        settings.ACCESS_TOKEN_RESOLVERS[access_tokens.GUEST]
        == "guests.verification.resolve_guest_access_token"
    )
    # Its principal narrows its own spaces and workbooks to the guest's grants.
    assert issubclass(GuestPrincipal, Principal)
    assert GuestPrincipal.spaces is not Principal.spaces
    assert GuestPrincipal.workbooks is not Principal.workbooks
    assert GuestPrincipal.GUEST == Principal.GUEST == access_tokens.GUEST


def test_a_guest_token_is_verified_in_one_query(guest, environment, django_assert_num_queries):
    token, _ = services.guest_access_token_create(guest=guest)
    verify(token)  # the lookup is written once per process
    with django_assert_num_queries(1):
        principal = verify(token)
    assert principal.kind == Principal.GUEST
    assert type(principal) is GuestPrincipal
    assert principal.id == guest.id
    assert principal.account_id == environment.account_id
    assert not principal.is_administrator
    with django_assert_num_queries(0):  # built from the verifying query's row
        assert principal.environment.pk == environment.pk
        assert principal.account.pk == environment.account_id
        assert principal.environment.account is principal.account
    assert principal.space is None


def test_a_space_token_is_verified_in_one_query_with_its_grant(
    guest, space, django_assert_num_queries
):
    token, _ = services.guest_access_token_create(guest=guest, space=space)
    verify(token)
    with django_assert_num_queries(1):
        principal = verify(token)
    with django_assert_num_queries(0):
        assert principal.space.pk == space.pk
        assert principal.space.environment is principal.environment


def test_the_lookups_are_one_statement_each(guest, space):
    for lookup, params in ((GUEST_LOOKUP, [guest.id]), (GUEST_SPACE_LOOKUP, [guest.id, space.id])):
        with CaptureQueriesContext(connection) as captured:
            assert lookup.fetch(params) is not None
        (query,) = captured.captured_queries
        assert query["sql"].startswith("SELECT")


def test_a_deleted_guests_tokens_are_refused_on_the_next_request(guest, space):
    unscoped, _ = services.guest_access_token_create(guest=guest)
    scoped, _ = services.guest_access_token_create(guest=guest, space=space)
    services.guest_delete(guest=guest, actor=None)
    assert verify(unscoped) is None
    assert verify(scoped) is None


def test_a_space_token_is_refused_once_the_guest_is_removed_from_that_space(
    guest, space, other_space
):
    scoped, _ = services.guest_access_token_create(guest=guest, space=space)
    other, _ = services.guest_access_token_create(guest=guest, space=other_space)
    services.guest_remove_from_space(guest=guest, space=space, actor=None)
    assert verify(scoped) is None
    assert verify(other) is not None


def test_a_token_of_a_recreated_guest_is_not_the_new_guests(environment, guest):
    token, _ = services.guest_access_token_create(guest=guest)
    services.guest_delete(guest=guest, actor=None)
    services.guest_create(environment=environment, actor=None, email="guest@example.com", name="N")
    assert verify(token) is None


@pytest.mark.parametrize("space_claim", [5, ["us_sp_x"], {"id": "x"}, True])
def test_a_space_claim_that_is_not_text_is_refused(guest, space_claim):
    token, _ = access_tokens.issue(
        kind=access_tokens.GUEST, subject=guest.id, claims={"spc": space_claim}
    )
    assert verify(token) is None


def test_a_space_claim_of_a_space_not_granted_is_refused(environment, guest):
    elsewhere = SpaceFactory(environment=environment)
    token, _ = access_tokens.issue(
        kind=access_tokens.GUEST, subject=guest.id, claims={"spc": elsewhere.id}
    )
    assert verify(token) is None


def test_an_unknown_guest_is_refused(db):
    token, _ = access_tokens.issue(kind=access_tokens.GUEST, subject="us_g_unknown")
    assert verify(token) is None


def test_a_guest_id_in_another_kind_of_token_is_no_guest(guest):
    # A user token whose subject is a guest's id finds no user: kinds never mix.
    token, _ = access_tokens.issue(
        kind=access_tokens.USER, subject=guest.id, claims={access_tokens.CREDENTIALS_VERSION: 0}
    )
    assert verify(token) is None
