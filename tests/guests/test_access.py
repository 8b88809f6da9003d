"""Who reaches which guest, and what a guest reaches: guests.access, and the filters
accounts.api.callers applies to guest principals (failing closed without them)."""

import pytest
from django.http import Http404

from accounts.api import callers
from accounts.models import Space, Workbook
from guests import access, services
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
    assert set(access.guests_within(account)) == {guest, prod_guest}
    assert list(access.guests_within(account, environment)) == [guest]


def test_guest_within_fetches_within_the_reach_or_404s(account, environment, guest, elsewhere):
    theirs, _, _ = elsewhere
    assert access.guest_within(account, guest.id) == guest
    assert access.guest_within(account, guest.id, environment) == guest
    for reach, guest_id in (
        ((account,), theirs.id),  # another account's
        ((account, production(account)), guest.id),  # another environment's, for a key
        ((account,), "us_g_unknown"),
        ((account,), "not an id\x00"),
    ):
        with pytest.raises(Http404) as refused:
            access.guest_within(*reach[:1], guest_id, *reach[1:])
        assert str(refused.value) == "Not found."


def test_guests_granted_a_space(environment, guest, space, other_space):
    alone = make_guest(environment, email="alone@example.com", spaces=[other_space])
    assert set(access.guests_granted(access.guests_within(environment.account), space)) == {guest}
    assert set(access.guests_granted(access.guests_within(environment.account), other_space)) == {
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
            account,
            [{"id": space.id, "workbooks": [{"id": workbooks[1].id}]}, {"id": space.id}],
            environment,
        )
    assert chosen == [
        {"space": space, "workbooks": [workbooks[1]]},
        {"space": space, "workbooks": None},
    ]
    with django_assert_num_queries(1):  # no workbooks asked for: no workbook query
        assert access.space_choices_within(account, [{"id": space.id, "workbooks": []}]) == [
            {"space": space, "workbooks": None}
        ]
    prod_space = SpaceFactory(environment=production(account))
    for requested, reach in (
        ([{"id": their_space.id}], ()),
        ([{"id": space.id, "workbooks": [{"id": their_workbook.id}]}], ()),
        ([{"id": prod_space.id}], (environment,)),  # a key of another environment
        ([{"id": "us_sp_unknown"}], ()),
    ):
        with pytest.raises(Http404):
            access.space_choices_within(account, requested, *reach)


# accounts.api.callers' filters -----------------------------------------------------------------


class Caller:
    def __init__(self, kind, id="us_g_x", space=None):
        self.kind, self.id, self.space = kind, id, space


def test_callers_narrow_guests_and_leave_other_kinds_alone(guest, space, other_space):
    third = SpaceFactory(environment=space.environment)
    as_guest = Caller(Principal.GUEST, guest.id)
    assert set(callers.spaces_reached(as_guest, Space.objects.all())) == {space, other_space}
    assert callers.space_reached(as_guest, space) == space
    with pytest.raises(Http404):
        callers.space_reached(as_guest, third)
    administrator = Caller(Principal.USER)
    assert third in callers.spaces_reached(administrator, Space.objects.all())
    assert callers.space_reached(administrator, third) == third


def test_callers_narrow_a_guest_token_made_for_one_space_to_that_space(
    guest, space, other_space, workbooks
):
    """Whatever the endpoint passes on, the guest's filters apply the token's own space:
    the guest's other granted space is out of its reach."""
    beside = WorkbookFactory(space=other_space)
    as_token = Caller(Principal.GUEST, guest.id, space)
    assert list(callers.spaces_reached(as_token, Space.objects.all())) == [space]
    assert callers.space_reached(as_token, space) == space
    with pytest.raises(Http404):
        callers.space_reached(as_token, other_space)
    assert set(callers.workbooks_reached(as_token, Workbook.objects.all())) == set(workbooks)
    with pytest.raises(Http404):
        callers.workbook_reached(as_token, beside)


def test_a_guest_without_registered_filters_reaches_nothing(monkeypatch, guest, space):
    monkeypatch.setattr(callers, "principal_space_filters", {})
    monkeypatch.setattr(callers, "principal_workbook_filters", {})
    as_guest = Caller(Principal.GUEST, guest.id)
    assert not callers.spaces_reached(as_guest, Space.objects.all()).exists()
    with pytest.raises(Http404):
        callers.space_reached(as_guest, space)
    workbook = WorkbookFactory(space=space)
    assert not callers.workbooks_reached(as_guest, Workbook.objects.all()).exists()
    with pytest.raises(Http404):
        callers.workbook_reached(as_guest, workbook)


def test_reaching_one_object_costs_a_query_only_for_a_guest(
    guest, space, django_assert_num_queries
):
    workbook = WorkbookFactory(space=space)
    with django_assert_num_queries(0):
        callers.space_reached(Caller(Principal.SECRET_KEY), space)
        callers.workbook_reached(Caller(Principal.SPACE), workbook)
    with django_assert_num_queries(1):
        assert callers.workbook_reached(Caller(Principal.GUEST, guest.id), workbook) == workbook
