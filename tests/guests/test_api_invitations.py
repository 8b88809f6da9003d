"""POST /v1/invitations, by an administrator and by a guest where guests can invite: all or
nothing, and rate limited. Beside it: what a guest may not create, the audit trail's names
for guests living and deleted, and the queries a guest's token costs to list and fetch."""

from accounts.models import Event, GuestAuthentication, Space
from guests import services
from guests.models import Guest, MagicLink, WorkbookGrant
from tests.factories import (
    SpaceFactory,
    WorkbookFactory,
    administrator_of,
    development,
    make_account,
)
from tests.guests.api_helpers import guest_token, post
from tests.guests.conftest import bearer_client, make_guest, token_in

# POST /v1/invitations -----------------------------------------------------------------------------


def test_an_administrator_invites_by_magic_link(
    api, guest, space, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            api,
            "/v1/invitations",
            [
                {
                    "guestId": guest.id,
                    "spaceId": space.id,
                    "fromName": "Ada",
                    "message": "Hello, I would like to invite you to my space.",
                }
            ],
        )
    assert response.status_code == 200, response.content
    assert response.json() == {"data": {"success": True}}
    (mail,) = mailoutbox
    assert "Ada invited you to Onboarding." in mail.body
    assert "Hello, I would like to invite you to my space." in mail.body
    assert services.magic_link_spend(token=token_in(mail)).guest_id == guest.id


def test_invitations_are_all_or_nothing(
    api, environment, guest, space, mailoutbox, django_capture_on_commit_callbacks
):
    elsewhere = SpaceFactory(environment=environment)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            api,
            "/v1/invitations",
            [
                {"guestId": guest.id, "spaceId": space.id},
                {"guestId": guest.id, "spaceId": elsewhere.id},
            ],
        )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"key": "spaceId", "message": services.NO_ACCESS}]
    assert mailoutbox == []
    assert not MagicLink.objects.exists()


def test_an_invitation_without_magic_links_allowed_is_refused(api, environment, guest, space):
    environment.guest_authentication = [GuestAuthentication.SHARED_LINK]
    environment.save()
    response = post(api, "/v1/invitations", {"guestId": guest.id, "spaceId": space.id})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"message": services.METHOD_OFF[GuestAuthentication.MAGIC_LINK]}
    ]


def test_another_accounts_guest_or_space_is_not_found_for_an_invitation(api, guest, space):
    other = make_account(name="Globex")
    their_space = SpaceFactory(environment=development(other))
    theirs = make_guest(development(other), email="theirs@example.com", spaces=[their_space])
    for body in (
        {"guestId": theirs.id, "spaceId": space.id},
        {"guestId": guest.id, "spaceId": their_space.id},
    ):
        assert post(api, "/v1/invitations", [body]).status_code == 404
    assert not MagicLink.objects.exists()


def test_a_guest_invites_where_guests_can_invite_and_nowhere_else(
    environment, guest, space, other_space, mailoutbox, django_capture_on_commit_callbacks
):
    invitee = make_guest(environment, email="invitee@example.com", spaces=[space, other_space])
    client = bearer_client(guest_token(guest))
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "/v1/invitations", [{"guestId": invitee.id, "spaceId": space.id}])
    assert response.status_code == 200, response.content
    assert [mail.to for mail in mailoutbox] == [["invitee@example.com"]]
    assert Event.objects.get(topic="guest:invited").actor_id == guest.id

    Space.objects.filter(pk=other_space.pk).update(guests_can_invite=False)
    response = post(client, "/v1/invitations", [{"guestId": invitee.id, "spaceId": other_space.id}])
    assert response.status_code == 403
    assert response.json() == {"errors": [{"message": services.GUESTS_CANNOT_INVITE}]}

    not_theirs = SpaceFactory(environment=environment)
    services.guest_update(
        guest=invitee, actor=None, spaces=[{"space": space}, {"space": not_theirs}]
    )
    response = post(client, "/v1/invitations", [{"guestId": invitee.id, "spaceId": not_theirs.id}])
    assert response.status_code == 404
    assert MagicLink.objects.count() == 1


def test_a_guest_cannot_create_guests_or_grants(environment, guest, space):
    client = bearer_client(guest_token(guest))
    response = post(
        client,
        "/v1/guests",
        {
            "environmentId": environment.id,
            "email": "friend@example.com",
            "name": "F",
            "spaces": [{"id": space.id}],
        },
    )
    assert response.status_code == 403
    assert not Guest.objects.filter(email="friend@example.com").exists()
    assert WorkbookGrant.objects.count() == 0


def test_the_audit_trail_names_guests_living_and_deleted(admin_user, environment, guest, space):
    from guests.selectors import guest_actor_labels

    guest_id = guest.id
    services.guest_invite(guest=guest, space=space, actor=guest)
    services.guest_delete(guest=guest, actor=administrator_of(environment.account))
    labels = guest_actor_labels(environment.account, {guest_id, "us_g_unknown"})
    assert labels[guest_id].text == "guest@example.com"
    assert labels[guest_id].note == "deleted guest"
    assert "us_g_unknown" not in labels
    living = make_guest(environment, email="living@example.com", name="Liv")
    assert guest_actor_labels(environment.account, {living.id})[living.id].text == "Liv"


def test_a_guest_lists_spaces_and_workbooks_in_the_same_queries_for_1_or_12_grants(
    environment, space, django_assert_num_queries
):
    WorkbookFactory(space=space)
    guest = make_guest(environment, email="counted@example.com", spaces=[space])
    client = bearer_client(guest_token(guest))
    # Verify the token; count; the page (spaces narrowed to the grants by a subquery).
    with django_assert_num_queries(3):
        assert len(client.get("/v1/spaces").json()["data"]) == 1
    with django_assert_num_queries(3):
        assert len(client.get("/v1/workbooks").json()["data"]) == 1
    for number in range(11):
        extra = SpaceFactory(environment=environment, name=f"Extra {number}")
        workbook = WorkbookFactory(space=extra)
        make_guest(environment, email="counted@example.com", spaces=[(extra, [workbook])])
    with django_assert_num_queries(3):
        assert len(client.get("/v1/spaces").json()["data"]) == 12
    with django_assert_num_queries(3):
        assert len(client.get("/v1/workbooks").json()["data"]) == 12


def test_a_guests_narrowing_rides_in_the_fetch_not_a_query_of_its_own(
    environment, space, django_assert_num_queries
):
    workbook = WorkbookFactory(space=space)
    guest = make_guest(environment, email="fetched@example.com", spaces=[space])
    client = bearer_client(guest_token(guest))
    # Verify the token; the workbook, within the guest's grants.
    with django_assert_num_queries(2):
        assert client.get(f"/v1/workbooks/{workbook.id}").json()["data"]["id"] == workbook.id
    # Verify the token; the space, within the grants; count; the page.
    with django_assert_num_queries(4):
        response = client.get("/v1/workbooks", {"spaceId": space.id})
    assert [row["id"] for row in response.json()["data"]] == [workbook.id]


def test_invitations_are_limited_per_caller(
    api, guest, space, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invitations": (3, 3600)}
    invitation = {"guestId": guest.id, "spaceId": space.id}
    with django_capture_on_commit_callbacks(execute=True):
        assert post(api, "/v1/invitations", [invitation, invitation]).status_code == 200
        assert post(api, "/v1/invitations", [invitation]).status_code == 200
        refused = post(api, "/v1/invitations", [invitation])
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["errors"][0]["message"].startswith("Request was throttled.")
    assert len(mailoutbox) == 3  # the refused one mailed nobody
