"""portal.access.get_or_404: an id out of reach is answered exactly like an unknown one, and
an empty or malformed id is unknown without a query."""

import pytest
from django.http import Http404

from accounts import access as accounts_access
from portal.access import get_or_404
from tests.factories import SecretFactory, SpaceFactory, WorkbookFactory, development
from tests.reauthentication_helpers import recently_authenticated


def refusal(queryset, object_id) -> Http404:
    with pytest.raises(Http404) as refused:
        get_or_404(queryset, object_id)
    return refused.value


def test_an_id_of_another_account_is_answered_as_an_unknown_one(account, other_account):
    ours = accounts_access.Reach(account=account).environments()
    theirs = refusal(ours, development(other_account).id)
    unknown = refusal(ours, "us_env_doesnotexist")
    assert type(theirs) is type(unknown) is Http404
    assert theirs.args == unknown.args == ("Not found.",)


def test_an_id_within_reach_is_found_in_one_query(account, django_assert_num_queries):
    environment = development(account)
    with django_assert_num_queries(1):
        assert (
            get_or_404(accounts_access.Reach(account=account).environments(), environment.id)
            == environment
        )
    with django_assert_num_queries(1):
        refusal(accounts_access.Reach(account=account).environments(), "us_env_doesnotexist")


@pytest.mark.parametrize(
    "object_id",
    [
        "",
        None,
        42,
        "us_env_\x00abc",  # PostgreSQL refuses NUL in text: never sent
        "' OR 1=1 --",
        "us_env/../x",
        "x" * 41,  # longer than any id of ours
    ],
)
def test_empty_or_malformed_ids_never_query(account, object_id, django_assert_num_queries):
    environments = accounts_access.Reach(account=account).environments()
    with django_assert_num_queries(0):
        assert refusal(environments, object_id).args == ("Not found.",)


@pytest.fixture
def ids(account, admin_user):
    from tokens.models import ApiKey

    environment = development(account)
    space = SpaceFactory(environment=environment)
    return {
        "environment": environment.id,
        "space": space.id,
        "workbook": WorkbookFactory(space=space).id,
        "secret": SecretFactory(environment=environment).id,
        "key": ApiKey.objects.filter(environment=environment, type="SECRET").get().id,
    }


NUL = "us_x_%00"
PAGES_TAKING_AN_ID = [
    "/environments/{NUL}/",
    "/environments/{NUL}/settings/",
    "/environments/{NUL}/delete/",
    "/spaces/{NUL}/",
    "/spaces/{NUL}/delete/",
    "/workbooks/{NUL}/",
    "/workbooks/{NUL}/delete/",
    "/team/{NUL}/remove/",
    "/team/invitations/{NUL}/resend/",
    "/team/invitations/{NUL}/revoke/",
    "/personal-access-tokens/{NUL}/regenerate/",
    "/personal-access-tokens/{NUL}/delete/",
    "/settings/personal-tokens/{NUL}/delete/",
    "/environments/{NUL}/api-keys/",
    "/environments/{NUL}/api-keys/roll/",
    "/environments/{NUL}/api-keys/{key}/reveal/",
    "/environments/{environment}/api-keys/{NUL}/reveal/",
    "/environments/{NUL}/secrets/",
    "/secrets/{NUL}/value/",
    "/secrets/{NUL}/delete/",
]


@pytest.mark.parametrize("page", PAGES_TAKING_AN_ID)
def test_a_page_given_a_malformed_id_answers_not_found(admin_client, ids, page):
    """Page routes take any text as an id (`<str:…>`); a NUL byte in one is answered 404 like
    any unknown id, on PostgreSQL too (which refuses NUL in a query: a 500 before)."""
    # POST: every one of these pages takes one, and some take nothing else. From a session
    # that just proved who it is, so the dangerous ones are not first asked about.
    recently_authenticated(admin_client)
    assert admin_client.post(page.format(NUL=NUL, **ids)).status_code == 404
