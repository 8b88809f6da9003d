"""The portal's own pages for a request it refuses (400, 403, 404, 405, a failed CSRF check),
for whoever asks in a browser: a guest, someone signed out, an administrator.

Django's own pages for these have no viewport (a phone lays them out 980 px wide), name no
account and lead nowhere. These are laid out as every other page: they name the account where
it is known (an administrator's through accounts.context, a guest's through guests.context)
and offer one next step: back to your spaces, or sign in.

With DEBUG off, Django's error handlers (portal/urls.py, through portal.api, which answers the
API's prefixes in JSON) and CSRF_FAILURE_VIEW call them. With DEBUG on, Django answers an
unknown address and an Http404 with its technical 404 page instead, whatever handler404 says,
and a 400 with its technical error page: RefusalPagesMiddleware and RefusalReporter
(DEFAULT_EXCEPTION_REPORTER) answer those with the portal's page in that mode too. A server
error (500) keeps Django's technical page with DEBUG on: that one is for the developer."""

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import Http404
from django.shortcuts import render
from django.urls import is_valid_path
from django.views.debug import ExceptionReporter

from portal.paths import is_api_request

REFUSALS = {
    400: (
        "Something was wrong with this request",
        "The portal could not read what your browser sent. Go back and try again.",
    ),
    403: ("Not allowed", "You may not open this page or do this here."),
    404: (
        "Nothing here",
        "This address may be mistyped or out of date, or your access to it was removed.",
    ),
    405: (
        "This page can't be opened this way",
        "This address is where a form on another page sends what you chose; it has nothing "
        "to show by itself.",
    ),
}
CSRF_REFUSAL = (
    "This form has expired",
    "The page was open for too long, or you signed in or out in another tab since. "
    "Go back, reload the page and send the form again.",
)


def refusal(request, status: int, heading: str, text: str):
    return render(request, "refused.html", {"heading": heading, "text": text}, status=status)


def bad_request(request, exception=None):
    return refusal(request, 400, *REFUSALS[400])


def permission_denied(request, exception=None):
    return refusal(request, 403, *REFUSALS[403])


def page_not_found(request, exception=None):
    return refusal(request, 404, *REFUSALS[404])


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW (the API's views are exempt: they check CSRF themselves). Django
    logs the reason (django.security.csrf); a person needs only what to do about it."""
    return refusal(request, 403, *CSRF_REFUSAL)


class RefusalPagesMiddleware:
    """The portal's page where Django answers a page's address with none of its own:

    - With DEBUG on, a 404 (Django's technical page otherwise): for an address no route
      matches (checked here, below CommonMiddleware, whose APPEND_SLASH redirect comes
      first) and for an Http404 a view raises. With DEBUG off, handler404 does this already.
    - A 405, DEBUG or not: require_POST and the like (Sign out, a form's target) answer an
      address opened by its link or a bookmark with an empty page.

    The API's prefixes keep their JSON answers (portal.api)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_request(request):
            return self.get_response(request)
        if settings.DEBUG and not is_valid_path(
            request.path_info, getattr(request, "urlconf", None)
        ):
            return page_not_found(request)
        response = self.get_response(request)
        if response.status_code == 405 and not response.streaming and not response.content:
            refused = refusal(request, 405, *REFUSALS[405])
            refused["Allow"] = response["Allow"]
            return refused
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404) and not is_api_request(request):
            return page_not_found(request, exception)
        return None


class RefusalReporter(ExceptionReporter):
    """DEFAULT_EXCEPTION_REPORTER. With DEBUG on, Django answers a request it refuses with a
    400 (a BadRequest or SuspiciousOperation: an unreadable or oversized form, a session
    deleted mid-request, an unknown Host) with this class's page, wherever it was raised, a
    middleware included: the portal's 400 page in a browser. The refusal is still logged
    (django.security.*, django.request) with what a developer needs; every other exception,
    and what is not a page, gets Django's technical page."""

    def get_traceback_html(self):
        if (
            isinstance(self.exc_value, BadRequest | SuspiciousOperation)
            and self.request is not None
            and not is_api_request(self.request)
        ):
            return bad_request(self.request, self.exc_value).content.decode()
        return super().get_traceback_html()
