"""Listing and getting the account's administrators (GET /v1/users, /v1/users/{id}): the
SDK's shape, filters, search and sort, bad parameters, and a pinned, flat query count."""

import re

import pytest
from django.test import Client

from tests.accounts.users_api_helpers import USER_KEYS, errors
from tests.factories import AdminInvitationFactory, AdministratorFactory

# List and get ---------------------------------------------------------------------------------


def test_list_is_the_accounts_administrators_in_the_sdks_shape(
    pat_api, account, admin_user, other_admin, stranger
):
    response = pat_api.get("/v1/users")
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"currentPage": 1, "pageCount": 1, "totalCount": 2}
    first, second = body["data"]
    assert [first["id"], second["id"]] == [admin_user.id, other_admin.id]  # longest-serving
    assert set(first) == USER_KEYS
    assert second == {
        "id": other_admin.id,
        "email": "second@example.com",
        "name": "Second",
        "accountId": account.id,
        "idp": "PORTAL",
        "metadata": {},
        "createdAt": second["createdAt"],
        "updatedAt": second["updatedAt"],
        "lastSeenAt": None,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", second["createdAt"])


def test_last_seen_is_the_last_sign_in(pat_api, admin_user):
    assert pat_api.get(f"/v1/users/{admin_user.id}").json()["data"]["lastSeenAt"] is None
    signed_in = Client()
    signed_in.force_login(admin_user)
    seen = pat_api.get(f"/v1/users/{admin_user.id}").json()["data"]["lastSeenAt"]
    assert seen is not None and seen.endswith("Z")


def test_get_one(pat_api, other_admin):
    response = pat_api.get(f"/v1/users/{other_admin.id}")
    assert response.status_code == 200
    assert response.json()["data"]["email"] == "second@example.com"
    assert set(response.json()["data"]) == USER_KEYS


def test_a_pending_invitation_is_not_a_user(pat_api, account):
    invitation = AdminInvitationFactory(account=account)
    assert invitation.email not in pat_api.get("/v1/users").content.decode()
    assert pat_api.get(f"/v1/users/{invitation.id}").status_code == 404


def test_list_filters_by_email_as_it_is_stored(pat_api, other_admin):
    response = pat_api.get("/v1/users", {"email": "  SECOND@example.com "})
    assert [user["id"] for user in response.json()["data"]] == [other_admin.id]
    assert pat_api.get("/v1/users", {"email": "nobody@example.com"}).json()["data"] == []


def test_list_searches_names_and_emails(pat_api, account, other_admin):
    AdministratorFactory(account=account, email="third@example.com", name="Zed")
    found = pat_api.get("/v1/users", {"search": "secon"}).json()["data"]
    assert [user["id"] for user in found] == [other_admin.id]
    assert [user["name"] for user in pat_api.get("/v1/users?search=zE").json()["data"]] == ["Zed"]
    assert pat_api.get("/v1/users?search=100%25").json()["data"] == []  # % is a character


def test_list_sorts_as_the_sdk_asks(pat_api, account, admin_user):
    # Addresses whose first letters decide, whatever the database's collation makes of "@".
    zoe = AdministratorFactory(account=account, email="zoe@example.com", name="Bea")
    yan = AdministratorFactory(account=account, email="yan@example.com", name="Cy")
    admin = admin_user.email  # admin…@example.com, no name

    def emails(query):
        return [user["email"] for user in pat_api.get("/v1/users", query).json()["data"]]

    assert emails({}) == [admin, zoe.email, yan.email]  # longest-serving first
    assert emails({"sortField": "email"}) == [admin, yan.email, zoe.email]
    assert emails({"sortField": "email", "sortDirection": "desc"}) == [zoe.email, yan.email, admin]
    assert emails({"sortField": "name", "sortDirection": "desc"}) == [yan.email, zoe.email, admin]
    # Ids are random: by id, one direction is the other reversed.
    by_id = emails({"sortField": "id"})
    assert sorted(by_id) == sorted([admin, zoe.email, yan.email])
    assert emails({"sortField": "id", "sortDirection": "desc"}) == by_id[::-1]
    Client().force_login(zoe)
    # Never seen counts as the oldest, on both databases.
    assert emails({"sortField": "last_seen_at", "sortDirection": "desc"})[0] == zoe.email
    assert emails({"sortField": "last_seen_at"})[-1] == zoe.email
    # The same for everyone here: the default order.
    assert emails({"sortField": "idp"}) == emails({})


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("sortField=bogus", "sortField"),
        ("sortField=%00", "sortField"),
        ("sortDirection=up", "sortDirection"),
        ("email=a%00b", "email"),
        ("email=" + "a" * 255, "email"),
        ("search=" + "a" * 256, "search"),
        ("search=%00", "search"),
        ("search=a&search=b", "search"),
        ("pageSize=0", "pageSize"),
        ("pageNumber=x", "pageNumber"),
    ],
)
def test_bad_list_parameters_are_400(pat_api, query, key):
    response = pat_api.get(f"/v1/users?{query}")
    assert response.status_code == 400
    assert errors(response)[0]["key"] == key


def test_a_lone_surrogate_in_the_query_is_no_crash(pat_api):
    # Query strings are decoded with replacement characters: no lone surrogate reaches us.
    response = pat_api.get("/v1/users", QUERY_STRING="search=%ED%A0%80")
    assert response.status_code == 200
    assert response.json()["data"] == []


@pytest.mark.parametrize("rows", [1, 12])
def test_list_query_count_is_pinned_and_flat(pat_api, account, django_assert_num_queries, rows):
    for number in range(rows - 1):
        AdministratorFactory(account=account, email=f"more{number}@example.com")
    pat_api.get("/v1/users")  # a first use records the token's last use
    # The token's lookup, the count, the page (with memberships).
    with django_assert_num_queries(3):
        response = pat_api.get("/v1/users")
    assert len(response.json()["data"]) == rows
