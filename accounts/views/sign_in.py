"""Signing in and out, and the forgotten password's reset: Django's views, rate limited."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import (
    LoginView,
    LogoutView,
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
)
from django.db import transaction
from django.urls import reverse_lazy

from accounts import services
from accounts.forms import PasswordResetRequestForm, SignInForm
from accounts.models import normalize_email
from accounts.views.common import PasswordRulesMixin
from portal.ratelimit import client_address, hit_each, too_many_requests, wait_text


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


login_view = SignInView.as_view()
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
