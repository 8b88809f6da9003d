"""`Cache-Control: no-store` on every API response and every page of a signed-in person.

API responses carry credentials and secret values (an access token, a new personal access
token, the secret keys, the secrets), and an administrator's pages show them (the API keys
page, a token shown once, a form re-rendered with what was typed). None of it is for any
cache: not a shared proxy's, not the browser's disk. Marking these responses in one place,
rather than view by view, means a new endpoint or page cannot forget to."""

import re

from django.utils.cache import add_never_cache_headers

API_PATH = re.compile(r"/(api/)?v1(/|$)")


class NoStoreMiddleware:
    """Sits just below SessionMiddleware: it sees every response the views and the
    middleware below it make (CSRF refusals and redirects included), and reads the signed-in
    user before the session is saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if API_PATH.match(request.path_info) or _signed_in(request):
            # Django's never_cache: no-store, and no-cache/max-age=0/private for caches that
            # do not know no-store.
            add_never_cache_headers(response)
        return response


def _signed_in(request) -> bool:
    # No `user` when a middleware above AuthenticationMiddleware answered the request.
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated
