"""The administrator's own profile: their name, and changing their password."""

from django.contrib import messages
from django.contrib.auth.views import PasswordChangeView
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from accounts import services
from accounts.forms import NameForm
from accounts.views.common import PasswordRulesMixin, add_service_errors, administrator_page, posted


@administrator_page
def profile(request, account):
    form = NameForm(posted(request), initial={"name": request.user.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Name saved.")
            return redirect("accounts:profile")
    return render(
        request, "accounts/profile.html", {"form": form}, status=400 if form.errors else 200
    )


class OwnPasswordChangeView(PasswordRulesMixin, SuccessMessageMixin, PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:security")
    success_message = "Password changed. You were signed out everywhere else."

    def form_valid(self, form):
        # Django saves the password and keeps this session (update_session_auth_hash); every
        # other session of the user holds the old password's auth hash and ends on its next
        # request. The audit event commits or rolls back together with the new password.
        with transaction.atomic():
            response = super().form_valid(form)
            services.user_record_password_change(user=form.user)
        return response


_own_password_change = OwnPasswordChangeView.as_view()


@administrator_page
def password_change(request, account):
    return _own_password_change(request)
