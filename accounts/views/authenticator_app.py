"""The authenticator app and recovery codes sections of the Password and authentication page:
setting an app up (QR code, key as text, a first code to confirm it), removing it, new
recovery codes shown once and downloadable; and the route of the sign-in's second step
(its view is with the sign-in's, in accounts.views.sign_in)."""

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.forms import SecondStepCodeForm
from accounts.models import AuthenticatorApp
from accounts.reauthentication import requires_reauthentication
from accounts.services.second_factors import (
    authenticator_app_secret,
    authenticator_app_uri,
    recovery_codes_unused,
)
from accounts.views import sign_in
from accounts.views.common import administrator_page

SETUP_REASON = "Setting up an authenticator app changes how you sign in."
RECOVERY_CODES_FILE = "access-portal-recovery-codes.txt"


def _refused(request, error: ValidationError):
    for message in error.messages:
        messages.error(request, message)
    return redirect("accounts:security")


def _grouped(secret: str) -> str:
    """The key in groups of four, as authenticator apps accept it typed (they ignore the
    spaces)."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _recovery_codes_page(request, codes: list[str], *, app_added: bool = False):
    return render(
        request, "accounts/recovery_codes_new.html", {"codes": codes, "app_added": app_added}
    )


@require_POST
@administrator_page
@requires_reauthentication(SETUP_REASON)
def authenticator_app_begin(request, account):
    """A new secret for the signed-in person (replacing an unfinished setup), then the setup
    page that shows it."""
    try:
        services.authenticator_app_begin(request.user)
    except ValidationError as error:
        return _refused(request, error)
    return redirect("accounts:authenticator-app-setup")


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
@never_cache
@administrator_page
@requires_reauthentication(SETUP_REASON)
def authenticator_app_setup(request, account):
    """The unfinished setup: the QR code and the key as text, and the first code that
    confirms them. Confirmed, it shows the recovery codes made for the person, once."""
    app = AuthenticatorApp.objects.filter(user=request.user, confirmed_at__isnull=True).first()
    if app is None:
        return redirect("accounts:security")
    form = SecondStepCodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                codes = services.authenticator_app_confirm(request.user, form.cleaned_data["code"])
            except ValidationError as error:
                form.add_error("code", error)
            else:
                if codes:
                    return _recovery_codes_page(request, codes, app_added=True)
                messages.success(request, "Your authenticator app is set up.")
                return redirect("accounts:security")
        status = 400
    secret = authenticator_app_secret(app)
    # segno's own SVG goes into the page as markup: paths drawn from the URI, whose text is
    # nowhere in it, and our own title.
    qr_code = mark_safe(  # noqa: S308
        segno.make(authenticator_app_uri(app), error="m").svg_inline(
            scale=4, border=2, light="#fff", title="QR code for your authenticator app"
        )
    )
    context = {
        "form": form,
        "qr_code": qr_code,
        "secret": secret,
        "secret_grouped": _grouped(secret),
    }
    return render(request, "accounts/authenticator_app_setup.html", context, status=status)


@require_POST
@administrator_page
@requires_reauthentication("Removing your authenticator app weakens how you sign in.")
def authenticator_app_remove(request, account):
    try:
        services.authenticator_app_remove(request.user, actor=request.user)
    except ValidationError as error:
        return _refused(request, error)
    messages.success(request, "The authenticator app was removed.")
    return redirect("accounts:security")


@require_http_methods(["GET", "POST"])
@administrator_page
@requires_reauthentication("New recovery codes replace the ones you have.")
def recovery_codes_generate(request, account):
    if request.method == "GET":
        # The codes page reloaded (the history holds it as a GET of this address): they are
        # not shown again, the page that counts them is.
        return redirect("accounts:security")
    return _recovery_codes_page(request, services.recovery_codes_generate(request.user))


@sensitive_post_parameters("code")
@require_POST
@administrator_page
def recovery_codes_download(request, account):
    """The codes just shown, as a text file: posted back by the page that showed them, so
    they are never in a URL nor kept anywhere to be shown again. Only unused codes of the
    person's own are written into it."""
    codes = recovery_codes_unused(request.user, request.POST.getlist("code"))
    if not codes:
        return HttpResponse(
            "These recovery codes are no longer valid: generate new ones.",
            content_type="text/plain; charset=utf-8",
            status=400,
        )
    body = (
        f"Recovery codes for {request.user.email} (Access Portal)\n"
        "Each code signs you in once, in place of a code from your authenticator app.\n\n"
        + "\n".join(codes)
        + "\n"
    )
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{RECOVERY_CODES_FILE}"'
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path(
        "profile/security/authenticator-app/",
        authenticator_app_setup,
        name="authenticator-app-setup",
    ),
    path(
        "profile/security/authenticator-app/begin/",
        authenticator_app_begin,
        name="authenticator-app-begin",
    ),
    path(
        "profile/security/authenticator-app/remove/",
        authenticator_app_remove,
        name="authenticator-app-remove",
    ),
    path(
        "profile/security/recovery-codes/",
        recovery_codes_generate,
        name="recovery-codes-generate",
    ),
    path(
        "profile/security/recovery-codes/download/",
        recovery_codes_download,
        name="recovery-codes-download",
    ),
    # accounts/urls.py includes these at the root, the sign-in's pages beside them.
    path("login/two-step/", sign_in.two_step_view, name="two-step"),
]
