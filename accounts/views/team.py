"""The team: the account's administrators and their invitations, and the invited
person's side of the mailed link."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import access, services, two_step
from accounts.forms import AcceptInvitationForm, ConfirmForm, InviteForm, TokenLifetimePolicyForm
from accounts.reauthentication import requires_reauthentication
from accounts.two_step_policy import with_two_step
from accounts.views.common import add_service_errors, administrator_page, posted, refusal

ADMINISTRATORS_PER_PAGE = 50


class TwoStepPolicyForm(forms.Form):
    required = forms.TypedChoiceField(
        choices=[("true", "Required"), ("false", "Not required")],
        coerce=lambda value: value == "true",
        error_messages={"required": "Say whether two-step verification is required."},
    )


def render_team(
    request, account, *, form=None, action_form=None, policy_form=None, lifetime_form=None
):
    """The team page; `action_form` carries a refused row action's reason (removing the
    last administrator, resending an invitation accepted meanwhile), `policy_form` a refused
    change of the two-step policy, `lifetime_form` a refused maximum token lifetime (which
    tokens.lifetime_policy_views sets: only tokens may change tokens)."""
    form = form or InviteForm()
    action_form = action_form or ConfirmForm()
    policy_form = policy_form or TwoStepPolicyForm()
    lifetime_form = lifetime_form or TokenLifetimePolicyForm.for_account(account)
    # Whether each has two-step verification comes in the page's one query of its rows.
    administrators = with_two_step(request.reach.administrators())
    page = Paginator(administrators, ADMINISTRATORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/team.html",
        {
            "page": page,
            # Shown as a disabled button with its reason, not a dialog the service refuses.
            "last_administrator": page.paginator.count <= 1,
            "invitations": request.reach.pending_invitations(),
            "form": form,
            "action_form": action_form,
            "policy_form": policy_form,
            "lifetime_form": lifetime_form,
        },
        status=400
        if form.errors or action_form.errors or policy_form.errors or lifetime_form.errors
        else 200,
    )


@administrator_page
def team(request, account):
    if request.method != "POST":
        return render_team(request, account)
    return _invite(request, account)


# The team page's POST only: showing the page asks for nothing.
@requires_reauthentication("Inviting an administrator gives them full access to the account.")
def _invite(request, account):
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            # The link goes by mail only: whoever sees this page must not be able to use it.
            invitation, _link = services.administrator_invite(
                account=account, actor=request.user, email=form.cleaned_data["email"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("accounts:team")
    return render_team(request, account, form=form)


@require_POST
@administrator_page
@requires_reauthentication(
    "Removing an administrator deletes them and every credential of theirs at once."
)
def administrator_remove(request, account, user_id):
    user = access.administrator_within(request.reach, user_id)
    try:
        services.administrator_remove(account=account, actor=request.user, user=user)
    except ValidationError as error:
        # Refused (the last administrator): the team page says why.
        return render_team(request, account, action_form=refusal(error))
    messages.success(request, f"{user.email} is no longer an administrator.")
    if user.pk == request.user.pk:
        return redirect("accounts:login")
    return redirect("accounts:team")


@require_POST
@administrator_page
@requires_reauthentication(
    "Changing the two-step policy changes how every administrator of the account signs in."
)
def two_step_policy(request, account):
    """Turn "Require two-step verification for administrators" on or off."""
    form = TwoStepPolicyForm(request.POST)
    if not form.is_valid():
        return render_team(request, account, policy_form=form)
    required = form.cleaned_data["required"]
    try:
        services.account_require_two_step(account=account, actor=request.user, required=required)
    except ValidationError as error:
        add_service_errors(form, error)
        return render_team(request, account, policy_form=form)
    if required:
        messages.success(
            request,
            "Two-step verification is now required: administrators without it can only set "
            "it up until they do.",
        )
    else:
        messages.success(request, "Two-step verification is no longer required.")
    return redirect("accounts:team")


@require_POST
@administrator_page
def administrator_invitation_resend(request, account, invitation_id):
    invitation = access.pending_invitation_within(request.reach, invitation_id)
    try:
        # As with a first invitation, the new link goes by mail only.
        services.administrator_invitation_resend(invitation=invitation, actor=request.user)
    except ValidationError as error:
        return render_team(request, account, action_form=refusal(error))
    messages.success(
        request,
        f"A new invitation was sent to {invitation.email}; the earlier link no longer works.",
    )
    return redirect("accounts:team")


@require_POST
@administrator_page
def administrator_invitation_revoke(request, account, invitation_id):
    invitation = access.pending_invitation_within(request.reach, invitation_id)
    try:
        services.administrator_invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as error:
        return render_team(request, account, action_form=refusal(error))
    messages.success(request, f"The invitation for {invitation.email} was revoked.")
    return redirect("accounts:team")


INVITATION_SESSION_KEY = "invitation_token"


@require_GET
def open_invitation(request, token):
    """The mailed link. Like Django's password reset, it moves the token out of the URL into
    the session and redirects, so that the page where the password is typed (its address,
    its history entry, the Referer and Origin of its own form post) never carries the
    token. Opening it spends nothing: mail scanners fetch links."""
    if services.invitation_for_token(token) is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    request.session[INVITATION_SESSION_KEY] = token
    return redirect("accounts:accept-invitation")


def accept_invitation(request):
    """GET shows the form; the POST spends the link held in the session."""
    token = request.session.get(INVITATION_SESSION_KEY, "")
    invitation = services.invitation_for_token(token) if token else None
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token, password=form.cleaned_data["password"], name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            del request.session[INVITATION_SESSION_KEY]
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            # They just set their password: setting up a second step, which an account that
            # requires it sends them to next, need not ask for it again.
            two_step.mark_authenticated(request)
            messages.success(request, f"Welcome to {invitation.account.name}.")
            return redirect("accounts:home")
    return render(
        request,
        "accounts/accept_invitation.html",
        {"invitation": invitation, "form": form},
        status=400 if form.errors else 200,
    )
