"""The Team page's "Maximum lifetime of personal access tokens" (posted to
tokens.lifetime_policy_views): asked only after proving who one is, saved with a message that
says what it does to the tokens people already have, audited, bad input refused with
nothing changed, administrators only; and the race of a token made while the maximum is set
(PostgreSQL)."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.forms import TokenLifetimePolicyForm
from accounts.models import Account, Event
from tests.factories import (
    DEFAULT_PASSWORD,
    PersonalAccessTokenFactory,
    administrator_of,
    make_account,
)
from tests.pages import text
from tests.races import behind_a_transaction
from tests.reauthentication_helpers import recently_authenticated
from tokens import services
from tokens.models import PersonalAccessToken

URL = "/team/token-lifetime/"
FIELD = "max_lifetime"


def maximum(account) -> int | None:
    return Account.objects.get(pk=account.pk).token_max_lifetime_days


def made_days_ago(token, days):
    PersonalAccessToken.objects.filter(pk=token.pk).update(
        created_at=token.created_at - timedelta(days=days)
    )
    return token


def test_the_form_offers_exactly_what_the_service_takes():
    choices = TokenLifetimePolicyForm.base_fields[FIELD].choices
    form_values = {TokenLifetimePolicyForm({FIELD: value}) for value, _label in choices}
    for form in form_values:
        assert form.is_valid()
    assert {form.cleaned_data[FIELD] for form in form_values} == set(
        services.TOKEN_MAX_LIFETIME_CHOICES
    )
    assert [label for _value, label in choices] == [
        "No maximum",
        "7 days",
        "30 days",
        "60 days",
        "90 days",
        "1 year",
    ]


def test_the_team_page_shows_the_setting(admin_client, account):
    page = text(admin_client.get("/team/"))
    assert "Maximum lifetime of personal access tokens" in page
    assert f'action="{URL}"' in page
    assert re.search(r'<option value="none" selected>No maximum</option>', page)
    Account.objects.filter(pk=account.pk).update(token_max_lifetime_days=90)
    page = text(admin_client.get("/team/"))
    assert re.search(r'<option value="90" selected>90 days</option>', page)
    assert "At most 90 days" in page


def test_saving_asks_who_it_is_first(admin_client, account, admin_user):
    token = made_days_ago(PersonalAccessTokenFactory(user=admin_user), 40)
    asked = admin_client.post(URL, {FIELD: "30"})
    assert asked.status_code == 403
    assert "tokens older than it stop working" in text(asked)
    assert maximum(account) is None
    token.refresh_from_db()
    assert token.policy_expires_at is None
    assert not Event.objects.filter(topic="account:updated").exists()


def test_the_answer_to_the_question_saves_what_was_chosen(admin_client, account, admin_user):
    asked = admin_client.post(URL, {FIELD: "60"})
    assert asked.status_code == 403
    answer = {name: value for name, value in asked.context["carried"]}
    assert answer == {f"original:{FIELD}": "60"}
    answer.update({"reauthenticate_with": "password", "password": DEFAULT_PASSWORD})
    response = admin_client.post(URL, answer, follow=True)
    assert response.redirect_chain == [("/team/", 302)]
    assert "now live at most 60 days" in text(response)
    assert maximum(account) == 60


def test_saving_sets_it_says_what_it_does_and_is_audited(admin_client, account, admin_user):
    made_days_ago(PersonalAccessTokenFactory(user=admin_user), 40)
    PersonalAccessTokenFactory(user=admin_user, expires_in_days=365)
    PersonalAccessTokenFactory(user=admin_user, expires_in_days=7)
    recently_authenticated(admin_client)

    response = admin_client.post(URL, {FIELD: "30"}, follow=True)

    assert response.redirect_chain == [("/team/", 302)]
    page = text(response)
    assert "Personal access tokens now live at most 30 days." in page
    assert "2 existing tokens exceed it" in page
    assert "each stops working once it is 30 days old" in page
    assert "1 of them already is and no longer works" in page
    assert maximum(account) == 30
    (event,) = Event.objects.filter(topic="account:updated")
    assert event.actor_id == admin_user.id
    assert event.payload["tokenMaxLifetimeDays"] == {"from": None, "to": 30}
    assert event.payload["tokensExceedingPolicy"] == 2


def test_a_year_and_no_token_exceeding_it(admin_client, account, admin_user):
    PersonalAccessTokenFactory(user=admin_user, expires_in_days=90)
    recently_authenticated(admin_client)
    page = text(admin_client.post(URL, {FIELD: "365"}, follow=True))
    assert "now live at most 1 year. No existing token exceeds it." in page
    assert maximum(account) == 365


def test_removing_it_says_tokens_work_again(admin_client, account, admin_user):
    token = made_days_ago(PersonalAccessTokenFactory(user=admin_user), 40)
    services.token_max_lifetime_set(account=account, days=7, actor=admin_user)
    recently_authenticated(admin_client)
    page = text(admin_client.post(URL, {FIELD: "none"}, follow=True))
    assert "no longer have a maximum lifetime" in page
    assert "work again until their own expiry" in page
    assert maximum(account) is None
    token.refresh_from_db()
    assert token.policy_expires_at is None


@pytest.mark.parametrize(
    "body", [{}, {FIELD: ""}, {FIELD: "14"}, {FIELD: "-1"}, {FIELD: "x" * 5000}, {FIELD: "null"}]
)
def test_bad_input_is_refused_and_changes_nothing(admin_client, account, admin_user, body):
    services.token_max_lifetime_set(account=account, days=90, actor=admin_user)
    recently_authenticated(admin_client)
    response = admin_client.post(URL, body)
    assert response.status_code == 400
    assert "Choose" in text(response)
    assert maximum(account) == 90
    assert Event.objects.filter(topic="account:updated").count() == 1


def test_only_administrators_and_only_posts(client, account, admin_user):
    assert client.post(URL, {FIELD: "30"}).status_code == 302  # to sign in
    client.force_login(admin_user)
    recently_authenticated(client)
    for method in (client.get, client.put, client.delete, client.patch):
        assert method(URL).status_code == 405
    assert maximum(account) is None


def test_an_administrator_sets_only_their_own_account(admin_client, account, other_account):
    recently_authenticated(admin_client)
    admin_client.post(URL, {FIELD: "7"})
    assert maximum(account) == 7
    assert maximum(other_account) is None


# The race ------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["policy", "token"])
def test_a_token_made_while_the_maximum_is_set_ends_consistent(first):
    """Either order: a token made while a 30-day maximum is being set is either refused for
    its lifetime (it waited and saw the maximum) or made and then stamped by the change."""
    account = make_account()
    admin = administrator_of(account)

    def set_policy():
        return services.token_max_lifetime_set(account=account, days=30, actor=admin)

    def make_token():
        return services.personal_access_token_create(user=admin, name="racing", expires_in_days=365)

    if first == "policy":
        outcome, result = behind_a_transaction(set_policy, make_token)
        assert outcome == "refused"
        assert isinstance(result, ValidationError)
        assert "at most 30 days" in str(result.message_dict["expires_in_days"])
        assert not PersonalAccessToken.objects.exists()
    else:
        outcome, change = behind_a_transaction(make_token, set_policy)
        assert outcome == "ok"
        assert change.tokens_exceeding == 1
        (token,) = PersonalAccessToken.objects.all()
        assert token.policy_expires_at == token.created_at + timedelta(days=30)
        assert token.exceeds_policy
    assert connection.vendor == "postgresql"
    assert maximum(account) == 30
