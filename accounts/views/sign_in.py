"""Signing in and out, the second step of signing in, and the forgotten password's reset:
Django's views, rate limited."""

from urllib.parse import urlencode, urlsplit

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import (
    LoginView,
    LogoutView,
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
)
from django.db import transaction
from django.shortcuts import redirect, resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import passkeys, services, two_step
from accounts.forms import PasswordResetRequestForm, SecondStepCodeForm, SignInForm
from accounts.models import normalize_email
from accounts.views.common import PasswordRulesMixin
from portal.ratelimit import (
    clear_failures,
    client_address,
    hit_each,
    too_many_requests,
    wait_text,
)

WRONG_CODE = "That code is not right. Try the code your app shows now, or a recovery code."
PASSKEY_REFUSED = "That passkey did not answer. Try again, or enter a code."
SIGN_IN_AGAIN = "Your sign-in took too long or was not started here: please sign in again."


class SignInView(LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        email = normalize_email(request.POST.get("username"))
        # Both counters advance on every attempt; either one over its limit stops it: per
        # address across emails, and loosely per email across addresses. Failures per (email,
        # address) are django-axes' count, inside the form's authenticate().
        wait = hit_each(("login-address", client_address(request)), ("login-email", email))
        if wait:
            # Not form.is_valid(): that would check the password of a refused attempt.
            form.refuse(f"Too many attempts, try again in {wait} seconds.")
            page = self.render_to_response(self.get_context_data(form=form))
            return too_many_requests(page, wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        """The password was right: sign in, unless the person has a second factor, which the
        second step asks for (the page keeps where the sign-in was going)."""
        user = form.get_user()
        if not two_step.has_second_factor(user):
            response = super().form_valid(form)
            # The password proved who it is: the dangerous actions need not ask again yet.
            two_step.mark_authenticated(self.request)
            return response
        two_step.begin(self.request, user)
        url = reverse("accounts:two-step")
        going_to = self.get_redirect_url()  # validated: our own host, or ""
        return redirect(f"{url}?{urlencode({'next': going_to})}" if going_to else url)


login_view = SignInView.as_view()


def _safe_next(request) -> str:
    """Where the sign-in was going, if it is a page of this site (as LoginView checks)."""
    going_to = request.POST.get("next", request.GET.get("next", ""))
    if isinstance(going_to, str) and url_has_allowed_host_and_scheme(
        going_to, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return going_to
    return ""


def _second_step_failed(request, email: str) -> None:
    """Count a wrong code or passkey as django-axes counts a wrong password, under the same
    (email, address): ten of either, in any mix, lock the sign-in out. Django's own signal
    is what axes listens to; once the limit is reached it marks the request locked out and
    its middleware answers with the lockout page (AXES_LOCKOUT_CALLABLE)."""
    user_login_failed.send(sender=__name__, credentials={"username": email}, request=request)


@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters("code", "passkey_response")
@csrf_protect
@never_cache
def two_step_view(request):
    """The second step of signing in: a code from the authenticator app, a recovery code or
    a passkey, for whoever passed the password in this session in the last ten minutes."""
    user = two_step.pending_user(request)
    if user is None:
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        messages.error(request, SIGN_IN_AGAIN)
        return redirect("accounts:login")
    going_to = _safe_next(request)
    form = SecondStepCodeForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "next": going_to, "passkey_error": ""}
    if request.method != "POST":
        return TemplateResponse(request, "accounts/two_step.html", context)
    # Each try counts as a sign-in attempt would, per address and per email.
    wait = hit_each(("login-address", client_address(request)), ("login-email", user.email))
    if wait:
        form.errors.clear()
        form.add_error(None, f"Too many attempts, try again in {wait} seconds.")
        return too_many_requests(TemplateResponse(request, "accounts/two_step.html", context), wait)
    credentials = {"username": user.email}
    if AxesProxyHandler.is_locked(request, credentials):
        # Locked out: no code is looked at (a recovery code is not spent), and the refused
        # try restarts the cool-off as a refused password does.
        _second_step_failed(request, user.email)
        return TemplateResponse(request, "accounts/two_step.html", context, status=429)
    if "passkey_response" in request.POST:
        accepted = passkeys.verify_passkey_response(request, user) is not None
        if not accepted:
            context["passkey_error"] = PASSKEY_REFUSED
            form = context["form"] = SecondStepCodeForm()
    else:
        accepted = (
            form.is_valid()
            and services.verify_second_step_code(user, form.cleaned_data["code"]) is not None
        )
        if not accepted and not form.errors:
            form.add_error("code", WRONG_CODE)
    if not accepted:
        _second_step_failed(request, user.email)
        return TemplateResponse(request, "accounts/two_step.html", context, status=400)
    two_step.complete(request, user)
    # Signed in outside authenticate(): django-axes' reset on success reads the email from
    # the posted form, which this one has not, so the count is cleared here.
    clear_failures(request, username=user.email)
    return redirect(going_to or resolve_url(settings.LOGIN_REDIRECT_URL))


logout_view = LogoutView.as_view()


class RateLimitedPasswordResetView(PasswordResetView):
    """Django's forgot-password view: it answers the same whether or not the email has an
    account (a mail goes out only if it has), and its link works once (the token is bound to
    the password hash, which the reset changes)."""

    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    @property
    def extra_email_context(self):
        # Django would take the link's domain from the request's Host header, which whoever
        # sends the request chooses: the mail's link, domain and protocol all come from
        # SITE_URL instead.
        site = urlsplit(settings.SITE_URL)
        return {
            "site_url": settings.SITE_URL,
            "domain": site.netloc,
            "protocol": site.scheme,
            "site_name": "Access Portal",
            "link_lifetime": wait_text(settings.PASSWORD_RESET_TIMEOUT),
        }

    def post(self, request, *args, **kwargs):
        email = normalize_email(request.POST.get("email"))
        # Both counters advance on every request: per address, so one client cannot spray
        # requests over many emails; per email, so nobody can flood one inbox from many.
        wait = hit_each(
            ("password-reset", client_address(request)), ("password-reset", f"email:{email}")
        )
        if not wait:
            return super().post(request, *args, **kwargs)
        # Over the limit the page says so (429, as sign-in does) instead of pretending to
        # send: the counters advance for any email typed, with an account or not, so the
        # refusal tells nothing about who has one, while a silent "check your email" would
        # leave a real person waiting for a mail that never comes, and asking again.
        form = self.get_form()
        form.is_valid()  # keeps the typed email and its own errors; sends nothing
        form.add_error(None, f"Too many reset requests, try again in {wait_text(wait)}.")
        return too_many_requests(self.render_to_response(self.get_context_data(form=form)), wait)


class OwnPasswordResetConfirmView(PasswordRulesMixin, PasswordResetConfirmView):
    """Django's view: the mailed link moves its token into the session and redirects to a
    URL without it, so the token never leaks through a Referer header."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")
    # post_reset_login stays off: the person signs in with the password just chosen, which
    # proves it and lets the browser's password manager save it for the sign-in form.

    def form_valid(self, form):
        # The new password ends every session of the user, wherever it was signed in.
        with transaction.atomic():
            response = super().form_valid(form)
            services.user_record_password_change(user=form.user, reset=True)
        return response


password_reset = RateLimitedPasswordResetView.as_view()
password_reset_done = PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = OwnPasswordResetConfirmView.as_view()
password_reset_complete = PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
