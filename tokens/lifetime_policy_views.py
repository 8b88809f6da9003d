"""The Team page's "Maximum lifetime of personal access tokens". The page is accounts'
(accounts.views.team shows the setting); its POST is here, because setting it rewrites every
token of the account (tokens.services.token_max_lifetime_set) and accounts may not reach up
into tokens."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.forms import TokenLifetimePolicyForm
from accounts.reauthentication import requires_reauthentication
from accounts.views.common import add_service_errors, administrator_page
from accounts.views.team import render_team
from tokens import services


def _lifetime(days: int) -> str:
    return "1 year" if days == 365 else f"{days} days"


def _policy_message(change: services.TokenLifetimePolicyChange) -> str:
    """What the change did to the tokens people already have."""
    if change.days is None:
        return (
            "Personal access tokens no longer have a maximum lifetime: tokens it stopped work "
            "again until their own expiry."
        )
    maximum = _lifetime(change.days)
    said = f"Personal access tokens now live at most {maximum}."
    exceeding, refused = change.tokens_exceeding, change.tokens_refused_now
    if not exceeding:
        return f"{said} No existing token exceeds it."
    if exceeding == 1:
        said += " 1 existing token exceeds it"
    else:
        said += f" {exceeding} existing tokens exceed it"
    said += f" (“Exceeds policy”): each stops working once it is {maximum} old"
    if refused == 1:
        said += "; 1 of them already is and no longer works"
    elif refused:
        said += f"; {refused} of them already are and no longer work"
    return said + "."


@require_POST
@administrator_page
@requires_reauthentication(
    "A maximum lifetime applies to every personal access token of the account at once: "
    "tokens older than it stop working."
)
def token_lifetime_policy(request, account):
    form = TokenLifetimePolicyForm(request.POST)
    if not form.is_valid():
        return render_team(request, account, lifetime_form=form)
    try:
        change = services.token_max_lifetime_set(
            account=account, days=form.cleaned_data["max_lifetime"], actor=request.user
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return render_team(request, account, lifetime_form=form)
    messages.success(request, _policy_message(change))
    return redirect("accounts:team")
