"""The account's environments: the list, one environment's spaces, its settings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import access, services
from accounts.context import CURRENT_ENVIRONMENT_SESSION_KEY
from accounts.forms import ConfirmForm, EnvironmentForm, NameForm
from accounts.models import GuestAuthentication
from accounts.reauthentication import requires_reauthentication
from accounts.views.common import add_service_errors, administrator_page, posted, refusal
from accounts.views.spaces import spaces_page


@administrator_page
def home(request, account):
    environment_id = request.session.get(CURRENT_ENVIRONMENT_SESSION_KEY)
    environments = request.reach.environments()
    current = environments.filter(pk=environment_id).first() if environment_id else None
    current = current or environments.first()
    if current is None:
        return redirect("accounts:environment-list")
    return redirect("accounts:environment-detail", current.id)


@administrator_page
def environment_list(request, account):
    form = EnvironmentForm(posted(request), initial={"guest_authentication": ["magic_link"]})
    if request.method == "POST" and form.is_valid():
        try:
            environment = services.environment_create(
                account=account, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Environment “{environment.name}” created.")
            return redirect("accounts:environment-list")
    # Explicitly ordered: Django drops Meta.ordering from GROUP BY queries, and the list
    # must read in the switcher's order.
    environments = list(
        request.reach.environments()
        .annotate(space_count=Count("spaces"))
        .order_by("created_at", "id")
    )
    labels = dict(GuestAuthentication.choices)
    for environment in environments:
        environment.guest_authentication_labels = [
            labels.get(value, value) for value in environment.guest_authentication
        ]
    return render(
        request,
        "accounts/environment_list.html",
        {"environment_rows": environments, "form": form},
        status=400 if form.errors else 200,
    )


@administrator_page
def environment_detail(request, account, environment_id):
    environment = access.environment_within(request.reach, environment_id)
    form = NameForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            space = services.space_create(
                environment=environment, actor=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Space “{space.name}” created.")
            return redirect("accounts:environment-detail", environment.id)
    spaces = request.reach.spaces().filter(environment=environment).order_by("-created_at", "id")
    page = spaces_page(request, spaces)
    return render(
        request,
        "accounts/environment_detail.html",
        {"environment": environment, "page": page, "form": form},
        status=400 if form.errors else 200,
    )


def _render_environment_settings(request, environment, *, form=None, delete_form=None):
    form = form or EnvironmentForm(
        initial={
            "name": environment.name,
            "is_prod": environment.is_prod,
            "guest_authentication": environment.guest_authentication,
        }
    )
    delete_form = delete_form or ConfirmForm()
    return render(
        request,
        "accounts/environment_settings.html",
        {"environment": environment, "form": form, "delete_form": delete_form},
        status=400 if form.errors or delete_form.errors else 200,
    )


@administrator_page
def environment_settings(request, account, environment_id):
    environment = access.environment_within(request.reach, environment_id)
    if request.method != "POST":
        return _render_environment_settings(request, environment)
    form = EnvironmentForm(request.POST)
    if form.is_valid():
        try:
            services.environment_update(
                environment=environment, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Environment saved.")
            return redirect("accounts:environment-settings", environment.id)
    return _render_environment_settings(request, environment, form=form)


@require_POST
@administrator_page
@requires_reauthentication(
    "Deleting an environment deletes its API keys and secrets with it, and cannot be undone."
)
def environment_delete(request, account, environment_id):
    environment = access.environment_within(request.reach, environment_id)
    try:
        services.environment_delete(environment=environment, actor=request.user)
    except ValidationError as error:
        # Refused (it still has spaces): the settings page says why.
        return _render_environment_settings(request, environment, delete_form=refusal(error))
    if request.session.get(CURRENT_ENVIRONMENT_SESSION_KEY) == environment_id:
        del request.session[CURRENT_ENVIRONMENT_SESSION_KEY]
    messages.success(request, f"Environment “{environment.name}” deleted.")
    return redirect("accounts:environment-list")
