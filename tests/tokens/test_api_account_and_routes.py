"""The account endpoints as a personal access token calls them (GET /v1/accounts/current, the
environments list) with their query budget, and every route served under /api/v1 as well."""


def test_account_endpoints_query_budget(pat_api, account, django_assert_num_queries):
    pat_api.get("/v1/environments")  # first use recorded
    # Verify the PAT, then the page: its count and its rows by the account's id (the list is
    # paged since issue 12, portal.pagination.Pagination counting once and slicing once).
    with django_assert_num_queries(3):
        assert pat_api.get("/v1/environments").status_code == 200
    with django_assert_num_queries(2):  # verify the PAT, then the account's fields at once
        response = pat_api.get("/v1/accounts/current")
    assert response.json()["data"]["name"] == account.name


def test_account_current(pat_api, account):
    data = pat_api.get("/v1/accounts/current").json()["data"]
    assert data["id"] == account.id
    assert data["name"] == account.name


def test_routes_are_also_served_under_api_v1(pat_api):
    assert pat_api.get("/api/v1/auth/personal-access-tokens").status_code == 200
