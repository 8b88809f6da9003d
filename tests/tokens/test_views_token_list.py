"""The personal access tokens page's list and lifetimes: the lifetimes the create dialog offers
and keeps, tokens expiring soon, another user's token, and the list's queries and pages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import administrator_of
from tests.pages import text
from tests.reauthentication_helpers import recently_authenticated
from tests.tokens.token_page_helpers import create_token
from tokens import services
from tokens.forms import LIFETIME_CHOICES
from tokens.models import PersonalAccessToken
from tokens.verification import verify


@pytest.fixture
def admin_client(admin_client):
    """Signed in just now: the dangerous POSTs here ask to re-authenticate otherwise."""
    return recently_authenticated(admin_client)


def test_expiry_choice_is_kept_and_listed(admin_client):
    create_token(admin_client, name="quarterly", expires_in_days="90")
    token = PersonalAccessToken.objects.get(name="quarterly")
    assert token.expires_at is not None
    assert token.expires_at.strftime("%Y-%m-%d") in text(
        admin_client.get("/personal-access-tokens/")
    )


def test_the_create_dialog_offers_github_lifetimes_and_defaults_to_30_days(admin_client):
    page = text(admin_client.get("/personal-access-tokens/"))
    select = re.search(r'<select name="expires_in_days".*?</select>', page, re.S).group(0)
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]+)</option>', select)
    assert [(value, label) for value, _, label in options] == [
        ("7", "7 days"),
        ("30", "30 days"),
        ("60", "60 days"),
        ("90", "90 days"),
        ("365", "1 year"),
        ("", "Never"),
    ]
    assert [value for value, selected, _ in options if selected] == ["30"]
    assert (
        "A token that never expires works until someone deletes it. "
        "Choose an expiry unless a script truly needs it forever." in page
    )
    assert 'class="warning never-warning"' in page


def test_the_page_the_service_and_the_api_accept_the_same_lifetimes(account):
    offered = {
        services.clean_token_lifetime(value, account=account) for value, _ in LIFETIME_CHOICES
    }
    assert offered == set(services.TOKEN_LIFETIME_CHOICES) == {None, 7, 30, 60, 90, 365}


@pytest.mark.parametrize("days", ["7", "30", "60", "90", "365", ""])
def test_each_offered_lifetime_is_kept(admin_client, admin_user, days):
    create_token(admin_client, name="timed", expires_in_days=days)
    token = PersonalAccessToken.objects.get(name="timed")
    if days:
        expected = timezone.now() + timedelta(days=int(days))
        assert abs(token.expires_at - expected) < timedelta(minutes=1)
    else:
        assert token.expires_at is None


def test_tokens_expiring_within_a_week_are_marked(admin_client, admin_user, frozen_now):
    soon, _ = services.personal_access_token_create(user=admin_user, name="soon")
    week, _ = services.personal_access_token_create(user=admin_user, name="week", expires_in_days=7)
    later, _ = services.personal_access_token_create(
        user=admin_user, name="later", expires_in_days=30
    )
    today, _ = services.personal_access_token_create(user=admin_user, name="today")
    PersonalAccessToken.objects.filter(pk=soon.pk).update(
        expires_at=frozen_now + timedelta(days=2, hours=5)
    )
    PersonalAccessToken.objects.filter(pk=today.pk).update(
        expires_at=frozen_now + timedelta(hours=3)
    )
    page = text(admin_client.get("/personal-access-tokens/"))

    def row(token):
        return re.search(rf'<tr data-token-id="{token.id}">(.*?)</tr>', page, re.S).group(1)

    assert "Expires in 3 days" in row(soon)
    assert "Expires in 7 days" in row(week)
    assert "Expires in 1 day<" in row(today)
    assert "Expires in" not in row(later)
    assert (frozen_now + timedelta(days=30)).strftime("%Y-%m-%d") in row(later)


def test_the_page_says_tokens_outlive_a_password_change(admin_client):
    assert (
        "Personal access tokens keep working when you change your password; "
        "delete them to revoke them."
    ) in text(admin_client.get("/personal-access-tokens/"))


def test_another_users_token_is_404(admin_client, other_account):
    theirs, raw = services.personal_access_token_create(
        user=administrator_of(other_account), name="theirs"
    )
    assert admin_client.post(f"/personal-access-tokens/{theirs.id}/delete/").status_code == 404
    assert admin_client.post(f"/personal-access-tokens/{theirs.id}/regenerate/").status_code == 404
    assert verify(raw) is not None
    assert "theirs" not in text(admin_client.get("/personal-access-tokens/"))


def test_token_list_queries_do_not_grow(admin_client, admin_user, django_assert_num_queries):
    services.personal_access_token_create(user=admin_user, name="first")
    admin_client.get("/personal-access-tokens/")
    # session, user, membership with account, the switcher's environments, the tokens'
    # count, a page of them, their environments (their scope), and the create form's
    # environments. (The create form's one-time nonce lives in the cache now: no session
    # write, which was a savepoint, an UPDATE and its release.)
    with django_assert_num_queries(8):
        admin_client.get("/personal-access-tokens/")
    environments = list(admin_user.membership.account.environments.all())
    for number in range(9):  # narrowed to none (all), one or two environments, by turns
        services.personal_access_token_create(
            user=admin_user, name=f"t{number}", environments=environments[: number % 3] or None
        )
    with django_assert_num_queries(8):
        response = admin_client.get("/personal-access-tokens/")
    assert text(response).count("data-token-id=") == 10


def test_token_list_page_is_paged_newest_first(admin_client, admin_user, django_assert_num_queries):
    for number in range(52):
        services.personal_access_token_create(user=admin_user, name=f"t{number}")
    first = text(admin_client.get("/personal-access-tokens/"))
    assert first.count("data-token-id=") == 50
    assert "t51 " in first and "t2 " in first and "t1 " not in first  # newest first
    assert "Page 1 of 2" in first
    assert 'href="?page=2"' in first and "?page=1" not in first
    with django_assert_num_queries(8):  # the same on any page
        second = text(admin_client.get("/personal-access-tokens/?page=2"))
    assert second.count("data-token-id=") == 2
    assert "t1 " in second and "t0 " in second
    assert "Page 2 of 2" in second and 'href="?page=1"' in second
    # Past the end, or not a number: the nearest page, as the other paged pages answer.
    assert "Page 2 of 2" in text(admin_client.get("/personal-access-tokens/?page=9"))
    assert "Page 1 of 2" in text(admin_client.get("/personal-access-tokens/?page=x"))
