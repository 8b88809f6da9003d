"""GET /v1/guests: listed by space, email or environment, another account's filters not
found, and query counts that do not grow with guests and their grants."""

from tests.factories import SpaceFactory, development, make_account, production
from tests.guests.api_helpers import patch
from tests.guests.conftest import make_guest

# GET /v1/guests --------------------------------------------------------------------------------


def test_guests_are_listed_by_space_email_or_environment(
    api, account, environment, guest, space, other_space
):
    alone = make_guest(environment, email="alone@example.com", spaces=[other_space])
    prod_guest = make_guest(production(account), email="prod@example.com")

    def listed(query=""):
        response = api.get(f"/v1/guests{query}")
        assert response.status_code == 200, response.content
        return [g["email"] for g in response.json()["data"]]

    assert listed() == ["guest@example.com", "alone@example.com", "prod@example.com"]
    assert listed(f"?spaceId={space.id}") == ["guest@example.com"]
    assert listed(f"?spaceId={other_space.id}") == ["guest@example.com", "alone@example.com"]
    assert listed("?email=ALONE@example.com") == ["alone@example.com"]
    assert listed(f"?environmentId={production(account).id}") == ["prod@example.com"]
    assert listed(f"?spaceId={space.id}&email=alone@example.com") == []
    response = api.get("/v1/guests?pageSize=2&pageNumber=2")
    assert response.json()["pagination"] == {"currentPage": 2, "pageCount": 2, "totalCount": 3}
    assert [g["id"] for g in response.json()["data"]] == [prod_guest.id]
    assert alone.id in {g["id"] for g in api.get("/v1/guests").json()["data"]}


def test_listing_by_another_accounts_space_or_environment_is_not_found(api, db):
    other = make_account(name="Globex")
    their_space = SpaceFactory(environment=development(other))
    assert api.get(f"/v1/guests?spaceId={their_space.id}").status_code == 404
    assert api.get(f"/v1/guests?environmentId={development(other).id}").status_code == 404


def test_a_guest_is_answered_as_fetched_or_changed_without_reading_it_again(
    api, guest, space, workbooks, django_assert_num_queries
):
    api.get(f"/v1/guests/{guest.id}")  # the credential's first use is recorded once a minute
    # Verify the PAT; the guest within the caller's reach; its space and workbook grants.
    with django_assert_num_queries(4):
        response = api.get(f"/v1/guests/{guest.id}")
    assert response.json()["data"]["id"] == guest.id
    response = patch(
        api, f"/v1/guests/{guest.id}", {"name": "Renamed", "spaces": [{"id": space.id}]}
    )
    answered = response.json()["data"]
    assert answered == api.get(f"/v1/guests/{guest.id}").json()["data"]
    assert (answered["name"], answered["spaces"]) == ("Renamed", [{"id": space.id}])


def test_listing_guests_takes_the_same_queries_for_1_or_20_guests_and_their_grants(
    api, environment, space, other_space, workbooks, django_assert_num_queries
):
    make_guest(environment, email="g0@example.com", spaces=[(space, workbooks), other_space])
    api.get("/v1/guests")  # the credential's first use is recorded once a minute
    # Verify the PAT; count; the page of guests; their space grants; their workbook grants.
    with django_assert_num_queries(5):
        response = api.get("/v1/guests")
    assert len(response.json()["data"]) == 1
    for number in range(1, 20):
        extra = SpaceFactory(environment=environment)
        make_guest(
            environment,
            email=f"g{number}@example.com",
            spaces=[(space, workbooks[:1]), other_space, extra],
        )
    with django_assert_num_queries(5):
        response = api.get("/v1/guests")
    data = response.json()["data"]
    assert len(data) == 20
    assert data[5]["spaces"][0] == {"id": space.id, "workbooks": [{"id": workbooks[0].id}]}
    assert len(data[5]["spaces"]) == 3
    with django_assert_num_queries(6):  # and the space, for spaceId
        assert len(api.get(f"/v1/guests?spaceId={space.id}").json()["data"]) == 20
