"""Who reaches which guest, and what a guest reaches: guests.access, and the reach of a guest
principal, which narrows itself (a reach of the guest kind that does not reaches nothing)."""

import pytest
from django.http import Http404

from accounts import access as accounts_access
from accounts.access import Reach
from accounts.models import Space, Workbook
from guests import access, services
from guests.access import GuestPrincipal
from tests.factories import SpaceFactory, WorkbookFactory, development, make_account, production
from tests.guests.conftest import make_guest
from tokens.principal import Principal


@pytest.fixture
def elsewhere(db):
    """Another account's guest, space and workbook."""
    other = make_account(name="Globex")
    space = SpaceFactory(environment=development(other))
    workbook = WorkbookFactory(space=space)
    guest = make_guest(development(other), email="theirs@example.com", spaces=[space])
    return guest, space, workbook


def test_guests_within_an_account_or_one_environment(account, environment, guest, elsewhere):
    prod_guest = make_guest(production(account), email="prod@example.com")
    assert set(access.guests_within(Reach(account=account))) == {guest, prod_guest}
    assert list(access.guests_within(Reach(account=account, environment=environment))) == [guest]


def test_guest_within_fetches_within_the_reach_or_404s(account, environment, guest, elsewhere):
    theirs, _, _ = elsewhere
    assert access.guest_within(Reach(account=account), guest.id) == guest
    assert access.guest_within(Reach(account=account, environment=environment), guest.id) == guest
    for reach, guest_id in (
        (Reach(account=account), theirs.id),  # another account's
        (Reach(account=account, environment=production(account)), guest.id),  # for a key
        (Reach(account=account), "us_g_unknown"),
        (Reach(account=account), "not an id\x00"),
    ):
        with pytest.raises(Http404) as refused:
            access.guest_within(reach, guest_id)
        assert str(refused.value) == "Not found."


def test_guests_granted_a_space(environment, guest, space, other_space):
    alone = make_guest(environment, email="alone@example.com", spaces=[other_space])
    assert set(
        access.guests_granted(access.guests_within(Reach(account=environment.account)), space)
    ) == {guest}
    assert set(
        access.guests_granted(access.guests_within(Reach(account=environment.account)), other_space)
    ) == {
        guest,
        alone,
    }


def test_a_guest_reaches_only_their_granted_spaces(environment, guest, space, other_space):
    third = SpaceFactory(environment=environment)
    assert set(access.spaces_granted_to(guest.id, Space.objects.all())) == {space, other_space}
    services.guest_remove_from_space(guest=guest, space=space, actor=None)
    assert set(access.spaces_granted_to(guest.id, Space.objects.all())) == {other_space}
    assert third not in access.spaces_granted_to(guest.id, Space.objects.all())


def test_a_guest_reaches_a_whole_space_or_only_the_workbooks_named(
    environment, space, other_space, workbooks
):
    whole = WorkbookFactory(space=other_space)
    guest = make_guest(environment, spaces=[(space, [workbooks[0]]), other_space])
    assert set(access.workbooks_granted_to(guest.id, Workbook.objects.all())) == {
        workbooks[0],
        whole,
    }
    # Deleting the one granted workbook leaves the guest none of the space, never all of it.
    workbooks[0].delete()
    assert set(access.workbooks_granted_to(guest.id, Workbook.objects.all())) == {whole}
    assert access.spaces_granted_to(guest.id, Space.objects.filter(pk=space.pk)).exists()


def test_a_token_made_for_one_space_reaches_that_space_alone(
    environment, guest, space, other_space, workbooks
):
    beside = WorkbookFactory(space=other_space)
    never = SpaceFactory(environment=environment)
    assert list(access.spaces_granted_to(guest.id, Space.objects.all(), space)) == [space]
    assert not access.spaces_granted_to(guest.id, Space.objects.filter(pk=never.pk), never).exists()
    assert set(access.workbooks_granted_to(guest.id, Workbook.objects.all(), space)) == set(
        workbooks
    )
    assert list(access.workbooks_granted_to(guest.id, Workbook.objects.all(), other_space)) == [
        beside
    ]


def test_space_choices_are_fetched_within_the_reach(
    account, environment, space, workbooks, elsewhere, django_assert_num_queries
):
    _, their_space, their_workbook = elsewhere
    with django_assert_num_queries(2):
        chosen = access.space_choices_within(
            Reach(account=account, environment=environment),
            [{"id": space.id, "workbooks": [{"id": workbooks[1].id}]}, {"id": space.id}],
        )
    assert chosen == [
        {"space": space, "workbooks": [workbooks[1]]},
        {"space": space, "workbooks": None},
    ]
    with django_assert_num_queries(1):  # no workbooks asked for: no workbook query
        assert access.space_choices_within(
            Reach(account=account), [{"id": space.id, "workbooks": []}]
        ) == [{"space": space, "workbooks": None}]
    prod_space = SpaceFactory(environment=production(account))
    for requested, reach in (
        ([{"id": their_space.id}], Reach(account=account)),
        ([{"id": space.id, "workbooks": [{"id": their_workbook.id}]}], Reach(account=account)),
        # A key of another environment.
        ([{"id": prod_space.id}], Reach(account=account, environment=environment)),
        ([{"id": "us_sp_unknown"}], Reach(account=account)),
    ):
        with pytest.raises(Http404):
            access.space_choices_within(reach, requested)


# A guest principal's reach ----------------------------------------------------------------------


def caller(kind, id="us_g_x", account=None, space=None) -> Principal:
    """A principal of `kind` reaching the whole account (a guest's of its guest), or with
    `space` that space alone, as verification makes them."""
    principal_class = GuestPrincipal if kind == Principal.GUEST else Principal
    return principal_class(kind=kind, id=id, account_id=account.id, account=account, space=space)


def test_a_guest_principal_narrows_itself_and_other_kinds_are_left_alone(
    account, guest, space, other_space
):
    third = SpaceFactory(environment=space.environment)
    as_guest = caller(Principal.GUEST, guest.id, account)
    assert set(as_guest.spaces()) == {space, other_space}
    assert accounts_access.space_within(as_guest, space.id) == space
    with pytest.raises(Http404):
        accounts_access.space_within(as_guest, third.id)
    administrator = caller(Principal.USER, account=account)
    assert third in administrator.spaces()
    assert accounts_access.space_within(administrator, third.id) == third


def test_a_guest_token_made_for_one_space_reaches_that_space_alone(
    account, guest, space, other_space, workbooks
):
    """Whatever the endpoint fetches, the guest's reach applies the token's own space: the
    guest's other granted space is out of its reach."""
    beside = WorkbookFactory(space=other_space)
    as_token = caller(Principal.GUEST, guest.id, account, space)
    assert list(as_token.spaces()) == [space]
    assert accounts_access.space_within(as_token, space.id) == space
    with pytest.raises(Http404):
        accounts_access.space_within(as_token, other_space.id)
    assert set(as_token.workbooks()) == set(workbooks)
    with pytest.raises(Http404):
        accounts_access.workbook_within(as_token, beside.id)


def test_a_guest_reach_that_does_not_narrow_itself_reaches_nothing(account, guest, space):
    as_guest = Principal(kind=Principal.GUEST, id=guest.id, account_id=account.id, account=account)
    assert not as_guest.spaces().exists()
    with pytest.raises(Http404):
        accounts_access.space_within(as_guest, space.id)
    workbook = WorkbookFactory(space=space)
    assert not as_guest.workbooks().exists()
    with pytest.raises(Http404):
        accounts_access.workbook_within(as_guest, workbook.id)


def test_reaching_one_object_costs_one_query_a_guest_too(
    account, guest, space, django_assert_num_queries
):
    workbook = WorkbookFactory(space=space)
    with django_assert_num_queries(2):
        accounts_access.space_within(caller(Principal.SECRET_KEY, account=account), space.id)
        accounts_access.workbook_within(caller(Principal.SPACE, account=account), workbook.id)
    with django_assert_num_queries(1):
        as_guest = caller(Principal.GUEST, guest.id, account)
        assert accounts_access.workbook_within(as_guest, workbook.id) == workbook
