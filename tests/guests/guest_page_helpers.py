"""The guest's own pages as a browser reaches them, for the tests of those pages: their
addresses, what they say, and the steps a guest takes (follow a link, sign in, join by a
shared link, invite)."""

import re
from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from guests import links, services
from guests.models import MagicLink
from tests.factories import administrator_of
from tests.guests.conftest import confirmation_link_in

CONFIRM = reverse("guests:magic-link-confirm")
NEW_LINK = reverse("guests:magic-link-request")
JOIN = reverse("guests:shared-link-join")
SENT = reverse("guests:shared-link-sent")
JOIN_CONFIRM = reverse("guests:shared-link-confirm")
HOME = reverse("guests:guest-home")
INVALID = "This link can't be used"
ENDED = "You're not signed in"


def invitation(guest, space) -> str:
    _, token = services.magic_link_create(
        guest=guest,
        space=space,
        purpose=MagicLink.Purpose.INVITATION,
        actor=administrator_of(guest.environment.account),
    )
    return token


def follow(client, token: str):
    return client.get(links.magic_link_url(token).removeprefix("http://testserver"))


def space_page(space_id: str) -> str:
    return reverse("guests:guest-space", args=[space_id])


def sign_in(client, guest, space):
    """Through the mailed link, as the guest does: follow it, then confirm."""
    follow(client, invitation(guest, space))
    response = client.post(CONFIRM)
    assert response.status_code == 302, response.content
    return response


def unknown_token(prefix=links.MAGIC_LINK) -> str:
    return links.generate(prefix)


def without_csrf_token(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def shared_token(space, admin=None) -> str:
    _, token = services.shared_link_regenerate(
        space=space, actor=admin or administrator_of(space.environment.account)
    )
    return token


def follow_shared(client, token: str):
    return client.get(reverse("guests:shared-link", args=[token]))


def confirm_from_mail(browser, mail):
    """Open the mailed confirmation link, as the email's owner does, and confirm."""
    response = browser.get(confirmation_link_in(mail).removeprefix("http://testserver"))
    assert response.status_code == 302
    assert response["Location"] == JOIN_CONFIRM
    page = browser.get(JOIN_CONFIRM)
    assert page.status_code == 200, page.content
    return browser.post(JOIN_CONFIRM)


def later(monkeypatch, delta: timedelta):
    """The clock, `delta` from the real now (not from an earlier patched moment)."""
    moment = datetime.now(UTC) + delta
    monkeypatch.setattr(timezone, "now", lambda: moment)


def _used(guest, space):
    token = invitation(guest, space)
    services.magic_link_spend(token=token)
    return token


def invite(client, space, **data):
    return client.post(reverse("guests:guest-space-invite", args=[space.id]), data)
