"""The guests' world: an account whose development environment lets guests in by magic
link and by shared link, with two spaces (two workbooks in the first), a guest of both and
their pending invitation, an administrator's API client, and helpers to make guests through
the services, to pull the token out of a mailed link and to send the mails a request leaves
for its commit."""

import re

import pytest
from rest_framework.test import APIClient

from accounts.models import GuestAuthentication
from guests import services
from tests.accounts.test_api_access import pat_for
from tests.factories import SpaceFactory, WorkbookFactory, administrator_of, development

BOTH_METHODS = [GuestAuthentication.MAGIC_LINK, GuestAuthentication.SHARED_LINK]
LINK_IN_MAIL = re.compile(r"/guest/magic/([^/\s]+)/")


def make_guest(environment, *, email="guest@example.com", name="Mr. Guest", spaces=(), actor=None):
    """A guest made as the API makes one: `spaces` is a list of spaces, or of (space,
    [workbooks]) for a grant limited to those workbooks."""
    chosen = [
        {"space": item[0], "workbooks": item[1]} if isinstance(item, tuple) else {"space": item}
        for item in spaces
    ]
    return services.guest_create(
        environment=environment,
        actor=actor or administrator_of(environment.account),
        email=email,
        name=name,
        spaces=chosen,
    )


def magic_link_in(message) -> str:
    """The whole magic link (its URL) in a mailed invitation or sign-in link."""
    found = re.search(r"https?://\S+/guest/magic/\S+/", message.body)
    assert found, message.body
    return found[0]


def confirmation_link_in(message) -> str:
    """The whole confirmation link (its URL) in the mail a shared link's join form sends."""
    found = re.search(r"https?://\S+/guest/shared/confirm/\S+/", message.body)
    assert found, message.body
    return found[0]


def confirmation_token_in(message) -> str:
    """The token of the confirmation link a shared link's join form mails."""
    return confirmation_link_in(message).rstrip("/").rsplit("/", 1)[1]


def token_in(message) -> str:
    """The magic link's token in a mailed invitation or sign-in link."""
    found = LINK_IN_MAIL.search(message.body)
    assert found, message.body
    return found[1]


def bearer_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def environment(account):
    environment = development(account)
    environment.guest_authentication = BOTH_METHODS
    environment.save(update_fields=["guest_authentication"])
    return environment


@pytest.fixture
def space(environment):
    return SpaceFactory(environment=environment, name="Onboarding")


@pytest.fixture
def other_space(environment):
    return SpaceFactory(environment=environment, name="Billing")


@pytest.fixture
def workbooks(space):
    return [
        WorkbookFactory(space=space, name="Contacts"),
        WorkbookFactory(space=space, name="Deals"),
    ]


@pytest.fixture
def guest(environment, space, other_space):
    return make_guest(environment, spaces=[space, other_space])


@pytest.fixture
def mails(django_capture_on_commit_callbacks):
    """Run a request's on-commit callbacks (the invitation mail goes out on commit)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def invited(guest, space, admin_user, django_capture_on_commit_callbacks):
    """The guest's pending invitation to the space, as an administrator sends it."""
    with django_capture_on_commit_callbacks(execute=True):
        return services.guest_invite(guest=guest, space=space, actor=admin_user)


@pytest.fixture
def api(admin_user):
    return bearer_client(pat_for(admin_user))
