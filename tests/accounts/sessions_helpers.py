"""Browsers of their own, signed in through the sign-in form with a user agent, for the
tests of the Sessions page and its services."""

from django.conf import settings
from django.test import Client

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD

MAC_CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def browser(user: User, user_agent: str = MAC_CHROME) -> Client:
    """A browser of its own, signed in as `user` through the sign-in form."""
    client = Client(headers={"User-Agent": user_agent})
    response = client.post("/login/", {"username": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, "sign-in failed"
    return client


def key_of(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value
