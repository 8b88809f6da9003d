"""The guest's space page through the test client: the space, the switcher and the
workbooks a grant shows, its pinned query counts, and inviting another guest from it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Event, GuestAuthentication
from guests import services
from guests.models import Guest, SpaceGrant, WorkbookGrant
from tests.factories import SpaceFactory, WorkbookFactory
from tests.guests.conftest import make_guest
from tests.guests.guest_page_helpers import HOME, invite, later, sign_in, space_page

# The space page -------------------------------------------------------------------------------


def test_the_space_page_shows_the_space_the_spaces_and_the_workbooks(
    client, guest, space, other_space, workbooks
):
    sign_in(client, guest, space)

    content = client.get(space_page(space.id)).content.decode()

    assert "<h1>Onboarding</h1>" in content
    assert 'data-testid="space-switcher"' in content
    assert f'href="{space_page(other_space.id)}"' in content
    assert "Contacts" in content and "Deals" in content
    assert guest.name in content and guest.email in content
    assert "Sign out" in content
    # None of the administrators' navigation.
    assert "API Keys" not in content and "Team" not in content and "Logs" not in content


def test_the_switcher_is_shown_only_with_more_than_one_space(client, environment, space):
    single = make_guest(environment, email="single@example.com", spaces=[space])
    sign_in(client, single, space)

    assert 'data-testid="space-switcher"' not in client.get(space_page(space.id)).content.decode()


def test_a_limited_grant_shows_only_its_workbooks(client, environment, space, workbooks):
    contacts, deals = workbooks
    limited = make_guest(environment, email="limited@example.com", spaces=[(space, [deals])])
    sign_in(client, limited, space)

    content = client.get(space_page(space.id)).content.decode()

    assert "Deals" in content
    assert "Contacts" not in content


def test_the_space_page_notes_when_the_guest_opened_it_at_most_once_a_minute(
    client, guest, space, monkeypatch
):
    sign_in(client, guest, space)
    grant = SpaceGrant.objects.get(guest=guest, space=space)
    signed_in_at = grant.last_accessed_at

    later(monkeypatch, timedelta(seconds=30))
    client.get(space_page(space.id))
    assert SpaceGrant.objects.get(pk=grant.pk).last_accessed_at == signed_in_at

    later(monkeypatch, timedelta(seconds=90))
    client.get(space_page(space.id))
    assert SpaceGrant.objects.get(pk=grant.pk).last_accessed_at == timezone.now()


def test_home_opens_the_space_opened_last(client, guest, space, other_space):
    sign_in(client, guest, space)
    SpaceGrant.objects.filter(guest=guest, space=other_space).update(
        last_accessed_at=timezone.now() + timedelta(minutes=1)
    )

    assert client.get(HOME)["Location"] == space_page(other_space.id)


def _grow(environment, guest, spaces: int, workbooks_each: int):
    """More spaces, each granted to the guest (half of them limited) with workbooks, and
    other guests granted too."""
    for number in range(spaces):
        extra = SpaceFactory(environment=environment, name=f"Extra {number}")
        made = [WorkbookFactory(space=extra) for _ in range(workbooks_each)]
        services.guest_create(
            environment=environment,
            actor=None,
            email=guest.email,
            name=guest.name,
            spaces=[{"space": extra, "workbooks": made[:1] if number % 2 else None}],
        )
        make_guest(environment, email=f"other{number}@example.com", spaces=[extra])


def test_the_space_page_costs_a_fixed_number_of_queries(
    client, environment, guest, space, workbooks, django_assert_num_queries
):
    sign_in(client, guest, space)
    client.get(space_page(space.id))

    # The session, the guest's grant (joined with the guest, the space, the environment and
    # the account), the granted spaces, the visible workbooks.
    with django_assert_num_queries(4):
        small = client.get(space_page(space.id))

    _grow(environment, guest, spaces=5, workbooks_each=4)
    for _ in range(6):
        WorkbookFactory(space=space)
    with django_assert_num_queries(4):
        large = client.get(space_page(space.id))

    assert small.status_code == large.status_code == 200
    assert large.content.decode().count("Extra ") > small.content.decode().count("Extra ")


def test_opening_the_space_page_after_a_while_costs_its_writes_too(
    client, guest, space, monkeypatch, django_assert_num_queries
):
    sign_in(client, guest, space)
    later(monkeypatch, timedelta(minutes=5))

    # And: the grant's last access (a savepoint around a conditional UPDATE), the session
    # moved on (a savepoint around its UPDATE, and django-qsessions reading the session's
    # creation time back before it saves, which it does on every session write).
    with django_assert_num_queries(4 + 3 + 4):
        assert client.get(space_page(space.id)).status_code == 200


# Invite a guest -------------------------------------------------------------------------------


def test_a_guest_invites_another_to_the_space(
    client, guest, space, mailoutbox, django_capture_on_commit_callbacks
):
    sign_in(client, guest, space)

    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, space, name="Nina", email="Nina@Example.com")

    assert response.status_code == 302
    assert response["Location"] == space_page(space.id)
    shown = client.get(space_page(space.id)).content.decode()
    assert "Invitation sent to nina@example.com." in shown
    nina = Guest.objects.get(email="nina@example.com")
    grant = SpaceGrant.objects.get(guest=nina)
    assert (grant.space_id, grant.via, grant.all_workbooks) == (space.id, "guest", True)
    assert grant.granted_by_id == guest.id
    (mail,) = mailoutbox
    assert mail.to == ["nina@example.com"]
    assert "Mr. Guest invited you to Onboarding." in mail.body


def test_the_inviters_workbook_limits_carry_over(client, environment, space, workbooks):
    contacts, deals = workbooks
    limited = make_guest(environment, email="limited@example.com", spaces=[(space, [deals])])
    sign_in(client, limited, space)

    assert invite(client, space, name="Nina", email="nina@example.com").status_code == 302

    nina = Guest.objects.get(email="nina@example.com")
    assert SpaceGrant.objects.get(guest=nina).all_workbooks is False
    assert list(WorkbookGrant.objects.filter(guest=nina).values_list("workbook_id", flat=True)) == [
        deals.id
    ]


def test_inviting_is_refused_where_the_space_does_not_allow_it(
    client, guest, space, mailoutbox, django_capture_on_commit_callbacks
):
    space.guests_can_invite = False
    space.save()
    sign_in(client, guest, space)

    page = client.get(space_page(space.id)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        forged = invite(client, space, name="Nina", email="nina@example.com")

    assert "Invite a guest" not in page
    assert forged.status_code == 403
    assert services.GUESTS_CANNOT_INVITE in forged.content.decode()
    assert not Guest.objects.filter(email="nina@example.com").exists()
    assert mailoutbox == []


def test_inviting_is_refused_where_magic_links_are_off(client, environment, guest, space):
    sign_in(client, guest, space)
    environment.guest_authentication = [GuestAuthentication.SHARED_LINK]
    environment.save()

    assert "Invite a guest" not in client.get(space_page(space.id)).content.decode()
    assert invite(client, space, name="Nina", email="nina@example.com").status_code == 403
    assert not Guest.objects.filter(email="nina@example.com").exists()


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"name": "", "email": "nina@example.com"}, "Name cannot be empty."),
        ({"name": "N" * 256, "email": "nina@example.com"}, "Name must be at most 255 characters."),
        ({"name": "Nina", "email": "nina@"}, "Enter a valid email address."),
        ({}, "Enter a valid email address."),
    ],
)
def test_bad_input_on_invite_is_a_400_form_and_changes_nothing(
    client, guest, space, mailoutbox, data, field_error
):
    sign_in(client, guest, space)
    guests_before, events_before = Guest.objects.count(), Event.objects.count()

    response = invite(client, space, **data)

    assert response.status_code == 400
    content = response.content.decode()
    assert field_error in content
    assert "Invite a guest" in content and "Workbooks" in content
    assert (Guest.objects.count(), Event.objects.count()) == (guests_before, events_before)
    assert mailoutbox == []


def test_invitations_by_a_guest_are_limited(client, settings, guest, space, one_rate_limit_window):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invitations": (1, 60)}
    sign_in(client, guest, space)

    assert invite(client, space, name="A", email="a@example.com").status_code == 302
    refused = invite(client, space, name="B", email="b@example.com")

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert "Too many invitations" in refused.content.decode()
    assert not Guest.objects.filter(email="b@example.com").exists()


def test_invite_is_post_only(client, guest, space):
    sign_in(client, guest, space)
    assert client.get(reverse("guests:guest-space-invite", args=[space.id])).status_code == 405
