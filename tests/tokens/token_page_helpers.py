"""The personal access tokens page as a browser fills it in, for the tests of that page: the
one-time nonce of its create form and of a token's regenerate form, and creating a token."""

import re

from tests.pages import text


def nonce_of(response) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', text(response)).group(1)


def create_token(client, name="deploy", **extra):
    nonce = nonce_of(client.get("/personal-access-tokens/"))
    return client.post("/personal-access-tokens/", {"name": name, "nonce": nonce, **extra})


def regenerate_nonce_of(response, token) -> str:
    """The nonce inside the regenerate form of `token` (not the create form's)."""
    form = re.search(
        rf'action="/personal-access-tokens/{token.id}/regenerate/">(.*?)</form>',
        text(response),
        re.S,
    ).group(1)
    return re.search(r'name="nonce" value="([^"]+)"', form).group(1)
