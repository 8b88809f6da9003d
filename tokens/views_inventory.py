"""The Credentials page: every personal access token and legacy client credential of the
account, whoever owns it (tokens.inventory), and Revoke on each, for its administrators.
Never a value: the rows hold digests and the last four characters the owners' own pages
show. Revoking asks who it is first (re-authentication) and tells the owner by mail."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.reauthentication import requires_reauthentication
from accounts.views.common import administrator_page
from tokens import inventory, services
from tokens.models import PersonalAccessToken

CREDENTIALS_PER_PAGE = 50

STATUS_LABELS = {
    inventory.ACTIVE: "Active",
    inventory.EXPIRED: "Expired",
    inventory.REVOKED: "Revoked",
    inventory.EXCEEDS_POLICY: "Exceeds policy",
}
# The query parameters of the page, kept across its pages and a revocation.
FILTER_NAMES = ("owner", "status", "unused")


class InventoryFilterForm(forms.Form):
    owner = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", "Any"), *STATUS_LABELS.items()])
    unused = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any time")]
        + [(days, f"{days} days or more") for days in inventory.UNUSED_DAYS_CHOICES],
    )

    def __init__(self, data, *, owners):
        super().__init__(data)
        self.fields["owner"].choices = [("", "Anyone")] + [
            (person.id, person.name or person.email) for person in owners
        ]

    def filters(self) -> inventory.Filters:
        data = self.cleaned_data
        return inventory.Filters(
            owner_id=data["owner"] or None,
            status=data["status"] or None,
            unused_days=data["unused"],
        )


def _kept_filters(params) -> dict:
    """The page's filters in `params` (a query string), to carry to its other pages and back
    from a revocation."""
    return {name: params[name] for name in FILTER_NAMES if params.get(name)}


def _owner_label(user) -> str:
    return user.name or user.email


def _describe(credential) -> None:
    """What the row and its confirmation say: the kind, the status, and the question."""
    owner = _owner_label(credential.user)
    credential.is_token = isinstance(credential, PersonalAccessToken)
    credential.inventory_status = inventory.status_of(credential)
    credential.shows_exceeds_policy = (
        credential.is_token
        and credential.exceeds_policy
        and credential.inventory_status == inventory.ACTIVE
    )
    if credential.is_token:
        credential.confirm_question = f"Revoke {owner}’s token"
        credential.confirm_subject = credential.name
    else:
        credential.confirm_question = f"Revoke {owner}’s client credentials"
        credential.confirm_subject = credential.id
    credential.confirm_detail = (
        f"{owner} is told by mail. Scripts using it are refused from the next request on."
    )


@administrator_page
def credentials_inventory(request, account):
    owners = list(request.reach.administrators())
    form = InventoryFilterForm(request.GET, owners=owners)
    # Only values the page offers can be sent; anything else is said and nothing filtered.
    valid = form.is_valid()
    filters = form.filters() if valid else inventory.Filters()
    rows = inventory.credentials_within(request.reach, filters)
    page = Paginator(rows, CREDENTIALS_PER_PAGE).get_page(request.GET.get("page"))
    for credential in page:
        _describe(credential)
    kept = _kept_filters(request.GET) if valid else {}
    return render(
        request,
        "tokens/credentials_inventory.html",
        {
            "page": page,
            "form": form,
            "filter_query": urlencode(kept),
            # Revoking comes back to the same page of the same filters.
            "here_query": urlencode(kept | ({"page": page.number} if page.number > 1 else {})),
            "max_lifetime_days": account.token_max_lifetime_days,
        },
        status=200 if valid else 400,
    )


@require_POST
@administrator_page
@requires_reauthentication(
    "Revoking a credential stops every script that uses it, at once and for good."
)
def credential_revoke(request, account, credential_id):
    credential = inventory.account_credential_within(request.reach, credential_id)
    owner = _owner_label(credential.user)
    if isinstance(credential, PersonalAccessToken):
        what = f"{owner}’s token “{credential.name}”"
    else:
        what = f"{owner}’s client credentials {credential.id}"
    if services.credential_revoke(credential=credential, actor=request.user):
        messages.success(request, f"Revoked {what}. {owner} was told by mail.")
    else:
        messages.info(request, f"{what} was already revoked.")
    back = _kept_filters(request.GET) | (
        {"page": request.GET["page"]} if request.GET.get("page") else {}
    )
    url = reverse("tokens:credentials")
    return redirect(f"{url}?{urlencode(back)}" if back else url)
