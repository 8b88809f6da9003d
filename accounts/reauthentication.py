"""Re-authentication before the dangerous actions ("sudo mode", as GitHub's).

A POST to a protected page view from a session that has not proved who it is within
settings.REAUTHENTICATION_AGE (accounts.two_step.recently_authenticated) does not run the
view. It is answered with the "Confirm it's you" page (403): the reason the view gives, and
the ways the person can prove it: their password always, a code from their authenticator
app or a recovery code when they have one, a passkey when they have one. Every form of that
page carries the original POST's fields and posts back to the same address; a correct
answer marks the session (two_step.mark_authenticated) and runs the view with exactly the
original fields, so the action completes without anything typed again. GETs only show
pages and are never asked.

The answers, by status:
- 403: the question, and a wrong password, code or passkey (the page again, saying so).
- 400: an answer that is no answer (no password, an unknown way, a way the person lacks).
- 429 with Retry-After: too many attempts. Every attempt counts toward the sign-in page's
  limits (portal.ratelimit, per client address and per email), and every wrong answer
  toward django-axes' failures per (email, address): a password through authenticate(), as
  the sign-in form does, a code or a passkey through Django's user_login_failed signal, as
  the second step of signing in does. Once axes locks the pair out, nothing is checked.

The original fields travel under ORIGINAL_PREFIX, so none can collide with the page's own
(a passkey being added posts `passkey_response`, as a passkey proving who one is does), and
the view sees only them. A field named like a secret (SECRET_FIELD) is never written into
the page: none of the protected forms posts one; if one did, the view would find it missing
and ask for it again rather than a secret be echoed into HTML.

A page fetched by a script (the secret key's Reveal and Copy) gets the same 403 page;
static/reauthentication.js shows it in a dialog and sends its forms with fetch."""

import re
from functools import wraps
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.http import QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters

from accounts import passkeys, services, two_step
from accounts.models import AuthenticatorApp
from portal.ratelimit import (
    clear_failures,
    client_address,
    hit_each,
    lockout_seconds,
    lockout_wait,
    too_many_requests,
    wait_text,
)

# Which proof a form of the page sends (WAY), and the fields that carry each proof.
WAY = "reauthenticate_with"
PASSWORD = "password"
CODE = "code"
PASSKEY = "passkey"
# Hidden from error reports: a view calling reauthentication_page itself takes
# @sensitive_post_parameters(*PROOF_FIELDS), as the decorator does.
PROOF_FIELDS = (PASSWORD, CODE, passkeys.RESPONSE_FIELD)
ORIGINAL_PREFIX = "original:"
# Never echoed into the page: what a person types to prove something, or a secret's value.
SECRET_FIELD = re.compile(r"password|secret|token|otp|code|^value$", re.IGNORECASE)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

WRONG_PASSWORD = "That password is not right."
WRONG_CODE = "That code is not right. Enter the code your app shows now, or a recovery code."
WRONG_PASSKEY = "That passkey was not accepted. Try again, or use your password."
NO_PASSWORD = "Enter your password to go on."
NO_CODE = "Enter a code from your app, or a recovery code."


class PasswordForm(forms.Form):
    # Named `form` in the page's context: django-axes' lockout answer
    # (portal.ratelimit.lockout_response) puts its message on the form of that name.
    # A password longer than any person's is refused before it reaches the hasher.
    password = forms.CharField(
        strip=False, max_length=4096, error_messages={"required": NO_PASSWORD}
    )


class CodeForm(forms.Form):
    # Its length and characters are verify_second_step_code's to judge: junk is no code.
    code = forms.CharField(error_messages={"required": NO_CODE})


class HiddenFields(list):
    """(name, value) pairs, a name possibly repeated, which the passkey partial's
    `passkey_fields.items` reads as it reads a dict's items."""

    def items(self):
        return self


def requires_reauthentication(reason: str):
    """For a page view (below the decorator that signs the page in): its POSTs run only for
    a session that proved who it is recently, else the person is asked, saying `reason`."""

    def decorator(view):
        @wraps(view)
        @sensitive_post_parameters(*PROOF_FIELDS)
        def wrapped(request, *args, **kwargs):
            page = reauthentication_page(request, reason)
            if page is not None:
                return page
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def reauthentication_page(request, reason: str):
    """The answer for a view that must not run yet (the question, or a refused answer to
    it), or None when it may: the request is safe, the session is recent, or it was just
    proved, in which case request.POST now holds the original fields only. Called by a view
    that asks only sometimes (a production environment's key) once it has looked up what it
    acts on; every other view takes the decorator."""
    if request.method in SAFE_METHODS:
        return None
    way = request.POST.get(WAY)
    if way is None:
        if two_step.recently_authenticated(request):
            return None
        return _page(request, reason, status=403)
    # Proved in another tab meanwhile: the proof sent here is not needed.
    if not two_step.recently_authenticated(request):
        refusal = _refusal(request, reason, way)
        if refusal is not None:
            return refusal
        two_step.mark_authenticated(request)
    request.POST = _original_fields(request.POST)
    return None


def _refusal(request, reason, way):
    """None if the proof sent is right, else the page saying why not."""
    if way == PASSWORD:
        return _password_refusal(request, reason)
    if way == CODE and _has_code(request.user):
        return _code_refusal(request, reason)
    if way == PASSKEY and request.user.passkeys.exists():
        return _passkey_refusal(request, reason)
    form = PasswordForm({})
    form.is_valid()
    return _page(request, reason, status=400, form=form)


def _attempt_wait(request) -> int | None:
    """Every attempt counts, right or wrong, as on the sign-in page: per client address
    across emails, and loosely per email across addresses."""
    return hit_each(("login-address", client_address(request)), ("login-email", request.user.email))


def _too_many(wait: int) -> str:
    return f"Too many attempts, try again in {wait_text(wait)}."


def _password_refusal(request, reason):
    form = PasswordForm({"password": request.POST.get(PASSWORD)})
    if not form.is_valid():
        return _page(request, reason, status=400, form=form)
    if wait := _attempt_wait(request):
        form.add_error(None, _too_many(wait))
        return too_many_requests(_page(request, reason, form=form), wait)
    email = request.user.email
    # authenticate() is where django-axes counts a failure (and refuses once the email and
    # address are locked out); it hashes even a wrong password, so timing tells nothing.
    proved = authenticate(request, username=email, password=form.cleaned_data["password"])
    if proved is None or proved.pk != request.user.pk:
        form.add_error(None, WRONG_PASSWORD)
        page = _page(request, reason, status=403, form=form)
        if wait := lockout_wait(request):
            return too_many_requests(page, wait)
        return page
    clear_failures(request, username=email)
    return None


def _code_refusal(request, reason):
    code_form = CodeForm({"code": request.POST.get(CODE)})
    if not code_form.is_valid():
        return _page(request, reason, status=400, code_form=code_form)
    # Locked out, no code is looked at: a recovery code is not spent.
    if (wait := _attempt_wait(request)) or (wait := _locked_out(request)):
        code_form.add_error(None, _too_many(wait))
        return too_many_requests(_page(request, reason, code_form=code_form), wait)
    # An app's code is spent (never accepted twice); a recovery code is used up, and its
    # owner mailed about it.
    if services.verify_second_step_code(request.user, code_form.cleaned_data["code"]) is None:
        _count_failure(request)
        code_form.add_error(None, WRONG_CODE)
        return _page(request, reason, status=403, code_form=code_form)
    return None


def _passkey_refusal(request, reason):
    if (wait := _attempt_wait(request)) or (wait := _locked_out(request)):
        return too_many_requests(_page(request, reason, passkey_error=_too_many(wait)), wait)
    if passkeys.verify_passkey_response(request, request.user) is None:
        _count_failure(request)
        return _page(request, reason, status=403, passkey_error=WRONG_PASSKEY)
    return None


def _locked_out(request) -> int | None:
    """Seconds to wait if django-axes locked this person's sign-in out from this address.
    A refused try counts as one more failure, as a refused password does."""
    if not AxesProxyHandler.is_locked(request, {"username": request.user.email}):
        return None
    _count_failure(request)
    return lockout_seconds(request)


def _count_failure(request) -> None:
    """A wrong code or passkey counts in django-axes as a wrong password does, under the same
    (email, address), through Django's signal axes listens to (as the second step of signing
    in counts them): ten of any mix lock the sign-in out."""
    user_login_failed.send(
        sender=__name__, credentials={"username": request.user.email}, request=request
    )


def _has_code(user) -> bool:
    return (
        AuthenticatorApp.objects.filter(user=user, confirmed_at__isnull=False).exists()
        or user.recovery_codes.filter(used_at__isnull=True).exists()
    )


def _carried_fields(post: QueryDict) -> HiddenFields:
    """The original POST's fields as the page's forms carry them. On a page answering a
    refused proof they are carried already (under the prefix), and pass through as they are."""
    if WAY in post:
        return HiddenFields(
            (name, value)
            for name, values in post.lists()
            if name.startswith(ORIGINAL_PREFIX)
            and not SECRET_FIELD.search(name.removeprefix(ORIGINAL_PREFIX))
            for value in values
        )
    return HiddenFields(
        (ORIGINAL_PREFIX + name, value)
        for name, values in post.lists()
        if name != "csrfmiddlewaretoken" and not SECRET_FIELD.search(name)
        for value in values
    )


def _original_fields(post: QueryDict) -> QueryDict:
    pairs = [
        (name.removeprefix(ORIGINAL_PREFIX), value)
        for name, values in post.lists()
        if name.startswith(ORIGINAL_PREFIX)
        for value in values
    ]
    return QueryDict(urlencode(pairs))


def _cancel_url(request) -> str:
    """Back where the person came from, if that was a page of ours; else their home page."""
    referer = request.headers.get("Referer", "")
    if url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse("accounts:home")


def _page(request, reason, *, status=403, form=None, code_form=None, passkey_error=""):
    user = request.user
    carried = _carried_fields(request.POST)
    offers_passkey = user.passkeys.exists()
    return TemplateResponse(
        request,
        "accounts/reauthenticate.html",
        {
            "reason": reason,
            "action": request.get_full_path(),
            "carried": carried,
            "form": form or PasswordForm(),
            "code_form": code_form or CodeForm(),
            "offers_code": _has_code(user),
            "offers_passkey": offers_passkey,
            "passkey_fields": HiddenFields([(WAY, PASSKEY), *carried]) if offers_passkey else (),
            "passkey_error": passkey_error,
            "window": wait_text(int(settings.REAUTHENTICATION_AGE.total_seconds())),
            "cancel_url": _cancel_url(request),
        },
        status=status,
    )
