"""The credential pages: Personal Access Tokens, API Keys and Secrets, and the legacy
client credentials. A raw token is rendered once, in the response to the POST that made
it, and kept nowhere: not in the session, a message or the database. The secret key is
handed over only when an administrator asks (Reveal, Copy), never in the page's HTML.

Every response here is `Cache-Control: no-store`: portal.no_store marks every page of a
signed-in person, so no view has to remember to."""

import math
from datetime import UTC, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import access as accounts_access
from accounts.reauthentication import (
    PROOF_FIELDS,
    reauthentication_page,
    requires_reauthentication,
)
from accounts.views.common import add_service_errors, administrator_page
from portal.form_nonces import new_nonce, spend_nonce
from tokens import access, selectors, services
from tokens.forms import PersonalAccessTokenForm, RollKeyForm, SecretForm, SecretValueForm
from tokens.models import ApiKey, Secret

# Show-once responses ----------------------------------------------------------------------
# Each form whose response shows a value carries a one-time nonce (portal.form_nonces), so
# that a reload re-sending the POST makes nothing and shows nothing.


def _shown_token(title: str, raw: str) -> dict:
    return {"title": title, "values": [("Token", raw, "new-token")]}


def _utc_minute(moment) -> str:
    # Spelled out in UTC: the people rolling a key and the systems using it may be anywhere.
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# Personal access tokens ---------------------------------------------------------------------


EXPIRY_WARNING = timedelta(days=7)


def _mark_expiry(token, now) -> None:
    """`expired`, and `days_left` (whole days, rounded up) when it ends within a week."""
    token.expired = token.expires_at is not None and token.expires_at <= now
    left = token.expires_at - now if token.expires_at and not token.expired else None
    token.days_left = (
        math.ceil(left / timedelta(days=1)) if left and left <= EXPIRY_WARNING else None
    )


TOKENS_PER_PAGE = 50


def _token_form(request, account, data=None) -> PersonalAccessTokenForm:
    return PersonalAccessTokenForm(
        data,
        environments=list(request.reach.environments().order_by("name")),
        max_lifetime_days=account.token_max_lifetime_days,
    )


def _render_tokens(request, account, *, form=None, shown=None, status=200):
    now = timezone.now()
    tokens = selectors.personal_access_tokens_of(user=request.user)
    page = Paginator(tokens, TOKENS_PER_PAGE).get_page(request.GET.get("page"))
    for token in page:
        _mark_expiry(token, now)
    # One nonce per rendering, in the create form and every regenerate form: the first one
    # sent spends it, and its response renders the page again with a fresh one.
    nonce = new_nonce(request)
    if form is None:
        form = _token_form(request, account)
        form.initial["nonce"] = nonce
    else:
        form.data = form.data.copy()
        form.data["nonce"] = nonce
    return render(
        request,
        "tokens/personal_access_tokens.html",
        # Not named `nonce`: the delete dialogs' shared partial would pick that up.
        {"page": page, "form": form, "form_nonce": nonce, "shown": shown},
        status=status,
    )


PERSONAL_ACCESS_TOKEN_REASON = (
    "A personal access token acts as you in the API, on every environment of the account."
)


@administrator_page
@requires_reauthentication(PERSONAL_ACCESS_TOKEN_REASON)
def personal_access_tokens(request, account):
    if request.method != "POST":
        return _render_tokens(request, account)
    if not spend_nonce(request, request.POST.get("nonce", "")):
        messages.error(request, "That form was already sent. No new token was created.")
        return redirect("tokens:personal-access-tokens")
    form = _token_form(request, account, request.POST)
    if not form.is_valid():
        return _render_tokens(request, account, form=form, status=400)
    try:
        token, raw = services.personal_access_token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            expires_in_days=form.cleaned_data["expires_in_days"] or None,
            read_only=form.read_only,
            environments=form.cleaned_data["environments"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_tokens(request, account, form=form, status=400)
    return _render_tokens(
        request, account, shown=_shown_token(f"Token “{token.name}” created", raw)
    )


@administrator_page
@requires_reauthentication(PERSONAL_ACCESS_TOKEN_REASON)
def personal_access_token_regenerate(request, account, token_id):
    token = access.personal_access_token_within(request.user, token_id)
    if request.method != "POST":
        # Back, or a reload once the browser has forgotten the POST, lands here: the list.
        return redirect("tokens:personal-access-tokens")
    if not spend_nonce(request, request.POST.get("nonce", "")):
        messages.error(request, "That form was already sent. The token was not regenerated again.")
        return redirect("tokens:personal-access-tokens")
    try:
        token, raw = services.personal_access_token_regenerate(token=token, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _render_tokens(request, account, status=400)
    return _render_tokens(
        request, account, shown=_shown_token(f"New value for “{token.name}”", raw)
    )


@require_POST
@administrator_page
def personal_access_token_delete(request, account, token_id):
    token = access.personal_access_token_within(request.user, token_id)
    services.personal_access_token_delete(token=token, actor=request.user)
    messages.success(request, f"Token “{token.name}” deleted. It no longer works.")
    return redirect("tokens:personal-access-tokens")


# Legacy client credentials --------------------------------------------------------------------


@administrator_page
@requires_reauthentication("Client credentials act as you in the API, on every environment.")
def client_credentials(request, account):
    shown = None
    if request.method == "POST":
        if not spend_nonce(request, request.POST.get("nonce", "")):
            messages.error(request, "That form was already sent. No new credentials were created.")
            return redirect("tokens:client-credentials")
        credential, secret = services.client_credential_create(user=request.user)
        shown = {
            "title": "Client credentials created",
            "values": [
                ("Client id", credential.id, "client-id"),
                ("Secret", secret, "client-secret"),
            ],
        }
    return render(
        request,
        "tokens/client_credentials.html",
        {
            "credentials": request.user.client_credentials.all(),
            "shown": shown,
            # Not named `nonce`: the delete dialogs' shared partial would pick that up.
            "form_nonce": new_nonce(request),
        },
    )


@require_POST
@administrator_page
def client_credential_delete(request, account, credential_id):
    credential = access.client_credential_within(request.user, credential_id)
    services.client_credential_delete(credential=credential, actor=request.user)
    messages.success(request, f"Client credentials {credential_id} deleted.")
    return redirect("tokens:client-credentials")


# API keys and secrets --------------------------------------------------------------------------

RETYPE_SECRET_VALUE = "Type the value again: it is not shown back on the page."


def _roll_dialogs(environment, current_keys: dict, now) -> list[dict]:
    """One roll dialog per key type, naming the key it rolls and, for each grace choice,
    when the old key stops working counted from this rendering (CSS shows the chosen one)."""
    default_grace = RollKeyForm.default_grace(environment)
    options = [
        {
            "value": value,
            "label": grace_label,
            "selected": value == default_grace,
            "stops_at": _utc_minute(now + grace)
            if (grace := services.ROLL_GRACE_CHOICES[value])
            else None,
        }
        for value, grace_label in RollKeyForm.base_fields["keep_old_for"].choices
    ]
    return [
        {
            "type": key_type,
            "label": label.lower(),
            "key": current_keys.get(key_type),
            "options": options,
        }
        for key_type, label in ApiKey.Type.choices
    ]


def _render_api_keys(request, environment, *, secret_form=None, status=200):
    now = timezone.now()
    keys = list(selectors.api_keys_live(environment=environment))
    current = {key.type: key for key in keys if key.expires_at is None}
    return render(
        request,
        "tokens/api_keys.html",
        {
            "environment": environment,
            "publishable_key": current.get(ApiKey.Type.PUBLISHABLE),
            # Masked: its value comes from api_key_reveal when someone asks for it.
            "secret_key": current.get(ApiKey.Type.SECRET),
            "retiring_keys": [key for key in keys if key.expires_at is not None],
            "roll_dialogs": _roll_dialogs(environment, current, now),
            "secrets": Secret.objects.filter(environment=environment).select_related("space"),
            "spaces": environment.spaces.order_by("name"),
            "secret_form": secret_form or SecretForm(),
        },
        status=status,
    )


# Only a production environment's keys ask: a development environment's stay one click
# away, so these views ask once they know which environment they act on.
def _reveal_reason(environment) -> str:
    return (
        f"You are about to see the secret key of “{environment.name}”, a production "
        "environment: whoever holds it can read and change all of its data."
    )


def _roll_reason(environment) -> str:
    # Either key: a roll may stop the old production key at once.
    return (
        f"You are about to roll a key of “{environment.name}”, a production environment: "
        "the systems using the old key stop working when it expires."
    )


@administrator_page
def api_keys(request, account, environment_id):
    environment = accounts_access.environment_within(request.reach, environment_id)
    return _render_api_keys(request, environment)


@require_POST
@sensitive_post_parameters(*PROOF_FIELDS)
@administrator_page
def api_key_reveal(request, account, environment_id, key_id):
    """A secret key's value for the page's Reveal and Copy buttons, as JSON. It is never in
    the page's HTML (nor in a cached copy, a saved page or the browser's history), so it
    leaves the server only when an administrator asks: on a POST, which Django's CSRF check
    guards, and each time on the audit trail."""
    environment = accounts_access.environment_within(request.reach, environment_id)
    # Only a working secret key: publishable keys are in the page already, and an expired
    # key is no longer anyone's.
    key = access.secret_key_within(environment, key_id)
    if environment.is_prod and (
        page := reauthentication_page(request, _reveal_reason(environment))
    ):
        return page
    return JsonResponse({"value": services.api_key_reveal(api_key=key, actor=request.user)})


@require_POST
@sensitive_post_parameters(*PROOF_FIELDS)
@administrator_page
def api_key_roll(request, account, environment_id):
    environment = accounts_access.environment_within(request.reach, environment_id)
    if environment.is_prod and (page := reauthentication_page(request, _roll_reason(environment))):
        return page
    form = RollKeyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a key type and how long the old key keeps working.")
        return redirect("tokens:api-keys", environment.id)
    key_type = form.cleaned_data["type"]
    rolled = services.api_key_roll(
        environment=environment,
        actor=request.user,
        key_type=key_type,
        keep_old_for=services.ROLL_GRACE_CHOICES[form.cleaned_data["keep_old_for"]],
    )
    label = ApiKey.Type(key_type).label.lower()
    message = f"New {label} created."
    if (old_key := rolled.replaced) is not None:
        if rolled.replaced_until is None:
            message += f" The old key …{old_key.last_four} stopped working at once."
        else:
            message += (
                f" The old key …{old_key.last_four} stops working at "
                f"{_utc_minute(rolled.replaced_until)}."
            )
    messages.success(request, message)
    return redirect("tokens:api-keys", environment.id)


@require_POST
@administrator_page
def secret_create(request, account, environment_id):
    environment = accounts_access.environment_within(request.reach, environment_id)
    form = SecretForm(request.POST)
    if form.is_valid():
        scope = form.cleaned_data["scope"]
        try:
            space = (
                accounts_access.space_within(request.reach.in_environment(environment), scope)
                if scope
                else None
            )
            secret, created = services.secret_upsert(
                environment=environment,
                actor=request.user,
                name=form.cleaned_data["name"],
                value=form.cleaned_data["value"],
                space=space,
            )
        except Http404:
            form.add_error("scope", "Choose the environment or one of its spaces.")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            verb = "saved" if created else "updated with its new value"
            messages.success(request, f"Secret “{secret.name}” {verb}.")
            return redirect("tokens:api-keys", environment.id)
    # The page shows the name and scope again, never the value: a secret typed once is not
    # sent back to the browser (where a saved page or a cache could keep it).
    if form.data.get("value") and not form.has_error("value"):
        form.add_error("value", RETYPE_SECRET_VALUE)
    return _render_api_keys(request, environment, secret_form=form, status=400)


@require_POST
@administrator_page
def secret_set_value(request, account, secret_id):
    secret = access.secret_within(request.reach, secret_id)
    form = SecretValueForm(request.POST)
    form.is_valid()
    try:
        services.secret_upsert(
            environment=secret.environment,
            actor=request.user,
            name=secret.name,
            value=form.cleaned_data.get("value", ""),
            space=secret.space,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Secret “{secret.name}” has a new value.")
    return redirect("tokens:api-keys", secret.environment_id)


@require_POST
@administrator_page
def secret_delete(request, account, secret_id):
    secret = access.secret_within(request.reach, secret_id)
    environment_id = secret.environment_id
    services.secret_delete(secret=secret, actor=request.user)
    messages.success(request, f"Secret “{secret.name}” deleted.")
    return redirect("tokens:api-keys", environment_id)
