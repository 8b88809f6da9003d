"""For tests of pages behind re-authentication (accounts.reauthentication): a test client
signed in with force_login never proved who it is, so its dangerous POSTs are asked about.
Tests of what those pages do, not of the asking, start from a session that just did."""

import time

from accounts import two_step


def recently_authenticated(client):
    """`client`'s session proved who it is just now, as a sign-in or re-authentication
    marks it (two_step.mark_authenticated)."""
    session = client.session
    session[two_step.AUTHENTICATED_AT] = time.time()
    session.save()
    return client
