"""What every administrator's page uses, the pages of tokens and guests too: the
decorator that signs the page in and fetches its account, and how a form and a refusal
carry a service's ValidationError to the page."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts import access
from accounts.forms import ConfirmForm

# What a page is asked with (a browser's links and forms); PUT, DELETE and the like are 405,
# not the page shown as if they were a GET.
PAGE_METHODS = ["GET", "HEAD", "POST"]


def administrator_page(view):
    """Signed in, and an administrator of an account: the view gets that account, and the
    page session's reach (the whole account) is `request.reach`, which every fetch takes."""

    @wraps(view)
    @require_http_methods(PAGE_METHODS)
    @login_required
    def wrapper(request, *args, **kwargs):
        # Already fetched by the two-step policy's middleware, for the page's one query.
        account = getattr(request, "account", None) or access.account_administered_by(request.user)
        if account is None:
            return render(request, "accounts/no_account.html", status=403)
        request.account = account  # the layout's context reuses it
        request.reach = access.Reach(account=account)
        return view(request, account, *args, **kwargs)

    return wrapper


def posted(request):
    """The submitted data for a POST (even an empty one), None otherwise: a form bound to
    it always validates, so an empty submission is an error rather than a blank page."""
    return request.POST if request.method == "POST" else None


def add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


def refusal(error: ValidationError) -> ConfirmForm:
    """A confirmed action (a dialog's button) the service refused, as a form whose errors
    the page shows to say why."""
    form = ConfirmForm({})
    form.is_valid()
    add_service_errors(form, error)
    return form


class PasswordRulesMixin:
    """Django's password validators describe themselves; the page lists what they ask for
    next to the new password, and their messages show under the field when one refuses."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["password_rules"] = password_validators_help_texts()
        return context
