"""The "Password and authentication" page: the administrator's password, passkeys,
authenticator app and recovery codes, each section's actions in its own module
(accounts.views.passkeys, accounts.views.authenticator_app)."""

from django.shortcuts import render
from django.urls import path

from accounts.models import AuthenticatorApp
from accounts.views.common import administrator_page


@administrator_page
def security(request, account):
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "passkeys": user.passkeys.order_by("created_at"),
            "authenticator_app": AuthenticatorApp.objects.filter(
                user=user, confirmed_at__isnull=False
            ).first(),
            "recovery_codes_left": user.recovery_codes.filter(used_at__isnull=True).count(),
        },
    )


urlpatterns = [path("profile/security/", security, name="security")]
