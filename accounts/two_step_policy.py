"""The "Require two-step verification for administrators" policy, where it bites: an
administrator of an account that requires it, signed in without a second factor (a password
alone, before the policy was turned on; or just after joining by invitation), sees the
Password and authentication page and what setting up a factor needs, and nothing else until
they have one. Answered here, before any view, so a page added later cannot forget it.

Left alone: signed-out visitors and guests (no administrator is signed in), the API (its
requests are authenticated by a bearer credential, never the session: POST /v1/auth asks a
person with a second factor for a code itself), static files, signing out.

Cheap: the account is the one administrator_page and the layout read anyway, fetched once
here and left on the request for them (`request.account`), so an account with the policy off
costs no query more; only with it on is the person's second factor looked up."""

from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import redirect
from django.urls import reverse

from accounts.access import account_administered_by
from accounts.models import AuthenticatorApp, Passkey
from accounts.two_step import has_second_factor
from portal.paths import is_api_request

LOCKED_IN = (
    "This account requires two-step verification for administrators. Add a passkey or an "
    "authenticator app to continue."
)

# What setting up a factor needs: the Password and authentication page and everything under
# it (passkeys, the authenticator app, recovery codes, each asking for the password again
# first where it does), WebAuthn's challenge, and signing out; and the page's other
# action, changing the password (whose own page is elsewhere).
SETUP_VIEW_NAMES = frozenset(
    {"accounts:logout", "accounts:passkey-challenge", "accounts:password-change"}
)


def second_factor_exists(user: str = "pk"):
    """accounts.two_step.has_second_factor's rule (a passkey, or an authenticator app
    confirmed by a first code) as an expression on the user at the path `user` of the rows
    it annotates: read in the query that reads them, however many."""
    return Exists(Passkey.objects.filter(user=OuterRef(user))) | Exists(
        AuthenticatorApp.objects.filter(user=OuterRef(user), confirmed_at__isnull=False)
    )


def with_two_step(administrators: QuerySet) -> QuerySet:
    """`administrators` (users), each with `has_two_step`."""
    return administrators.annotate(has_two_step=second_factor_exists())


class TwoStepPolicyMiddleware:
    """Sits below AuthenticationMiddleware (it reads request.user). Works in process_view,
    which runs once every middleware has seen the request, so the message it leaves has
    MessageMiddleware's storage, and the view about to run is known."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        return self.get_response(request)

    @staticmethod
    def _is_setup(request) -> bool:
        return (
            request.path_info.startswith(reverse("accounts:security"))
            or request.resolver_match.view_name in SETUP_VIEW_NAMES
        )

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(self.static_prefix) or is_api_request(request):
            return None
        user = request.user
        if not user.is_authenticated or self._is_setup(request):
            return None
        account = account_administered_by(user)
        # administrator_page and the layout's context take it from here: one query per page,
        # as before the policy existed.
        request.account = account
        if account is None or not account.require_two_step:
            return None
        # The layout reads it too (accounts.context): looked up once per page.
        request.two_step_setup_required = not has_second_factor(user)
        if not request.two_step_setup_required:
            return None
        messages.warning(request, LOCKED_IN)
        return redirect(reverse("accounts:security"))
