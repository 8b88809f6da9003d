"""What a browser holding a guest session may reach, and how the guest pages are cached.

A guest sees the guest pages and nothing else: while a browser holds a living guest session
and no administrator is signed in, every other page answers 404, as an unknown address
does (not a sign-in redirect, which would tell that something is there). Answered here,
before any view, so a page added later cannot forget it.

Left alone: the guest pages; static files; the health probes; the API, whose requests are
authenticated by a bearer credential and never by the session; and the pages for people
who are signed out (sign in, password reset, an administrator's invitation), which show
nothing of any account, so that someone who is a guest and an administrator too can sign
in as the administrator (which ends the guest session: guests.sessions).

Every guest page is `Cache-Control: no-store`, as portal.no_store makes every page of a
signed-in administrator: they show a guest's spaces and hold a link's token in the
session."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers

from guests.sessions import holds_guest_session
from portal.paths import is_api_request
from portal.refusals import page_not_found

GUEST_PAGES = "/guest/"
OPEN_TO_GUESTS = (
    "/healthz",
    "/readyz",
    "/login/",
    "/password-reset/",
    "/invitations/",
)


class GuestSessionMiddleware:
    """Sits below AuthenticationMiddleware: it reads the session and request.user."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_paths = (*OPEN_TO_GUESTS, "/" + settings.STATIC_URL.lstrip("/"))

    def __call__(self, request):
        path = request.path_info
        if path.startswith(GUEST_PAGES):
            response = self.get_response(request)
            add_never_cache_headers(response)
            return response
        if (
            not path.startswith(self.open_paths)
            and not is_api_request(request)
            and holds_guest_session(request)
            and not request.user.is_authenticated
        ):
            # The portal's 404 page, naming the guest's account, DEBUG on or off (a raised
            # Http404 shows Django's technical page with DEBUG on).
            return page_not_found(request)
        return self.get_response(request)
