"""The administrators' pages. Thin: a form parses, accounts.access fetches (another
account's ids are 404), a service changes, a template renders."""

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.views import (
    LoginView,
    LogoutView,
    PasswordChangeView,
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
)
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET, require_POST

from accounts import access, event_log, selectors, services
from accounts.context import CURRENT_ENVIRONMENT_SESSION_KEY
from accounts.forms import (
    AcceptInvitationForm,
    ConfirmForm,
    EnvironmentForm,
    InviteForm,
    LogFilterForm,
    NameForm,
    PasswordResetRequestForm,
    SignInForm,
    SpaceForm,
)
from accounts.models import GuestAuthentication, normalize_email
from portal.ratelimit import client_address, hit_each, too_many_requests, wait_text

EVENTS_PER_PAGE = 50


def administrator_page(view):
    """Signed in, and an administrator of an account: the view gets that account, and the
    page session's reach (the whole account) is `request.reach`, which every fetch takes."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        account = access.account_administered_by(request.user)
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


# Signing in and out ------------------------------------------------------------------------


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


# Profile and passwords -----------------------------------------------------------------------


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


class PasswordRulesMixin:
    """Django's password validators describe themselves; the page lists what they ask for
    next to the new password, and their messages show under the field when one refuses."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["password_rules"] = password_validators_help_texts()
        return context


class OwnPasswordChangeView(PasswordRulesMixin, SuccessMessageMixin, PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")
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


# Environments -------------------------------------------------------------------------------


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
    # Explicitly ordered: Django drops Meta.ordering from GROUP BY queries.
    spaces = (
        request.reach.spaces()
        .filter(environment=environment)
        .annotate(workbook_count=Count("workbooks"))
        .order_by("-created_at", "id")
    )
    return render(
        request,
        "accounts/environment_detail.html",
        {"environment": environment, "spaces": spaces, "form": form},
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


# Spaces and workbooks ------------------------------------------------------------------------


@administrator_page
def space_list(request, account):
    spaces = (
        request.reach.spaces()
        .select_related("environment")
        .annotate(workbook_count=Count("workbooks"))
        .order_by("environment__created_at", "-created_at")
    )
    return render(request, "accounts/space_list.html", {"spaces": spaces})


def render_space(
    request, space, *, space_form=None, workbook_form=None, renamed=None, status=200
) -> TemplateResponse:
    """The space's page. A TemplateResponse renders only once returned, so the sections
    below, and a page of theirs answering with it (a refused "Add guest"), can still add
    to it."""
    space_form = space_form or SpaceForm(
        initial={"name": space.name, "guests_can_invite": space.guests_can_invite}
    )
    workbooks = list(space.workbooks.all())
    # A rename that failed shows its error and the typed name in its own row.
    for workbook in workbooks:
        workbook.rename_form = renamed[1] if renamed and renamed[0] == workbook.id else None
    response = TemplateResponse(
        request,
        "accounts/space_detail.html",
        {
            "space": space,
            "environment": space.environment,
            "space_form": space_form,
            "workbook_form": workbook_form or NameForm(),
            "workbooks": workbooks,
        },
        status=status,
    )
    # What apps above accounts add to the page, which accounts never imports (guests: its
    # guest sidebar), named in settings.SPACE_PAGE_SECTIONS. Each may switch the template to
    # one extending accounts/space_detail.html (filling its `guests` block) and add to its
    # context_data.
    for section in settings.SPACE_PAGE_SECTIONS:
        import_string(section)(request, space, response)
    return response


@administrator_page
def space_detail(request, account, space_id):
    space = access.space_within(request.reach, space_id)
    if request.method != "POST":
        return render_space(request, space)
    if request.POST.get("action") == "create-workbook":
        form = NameForm(request.POST)
        if form.is_valid():
            try:
                workbook = services.workbook_create(
                    space=space, actor=request.user, name=form.cleaned_data["name"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Workbook “{workbook.name}” created.")
                return redirect("accounts:space-detail", space.id)
        return render_space(request, space, workbook_form=form, status=400)
    form = SpaceForm(request.POST)
    if form.is_valid():
        try:
            services.space_update(space=space, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Space saved.")
            return redirect("accounts:space-detail", space.id)
    return render_space(request, space, space_form=form, status=400)


@require_POST
@administrator_page
def space_delete(request, account, space_id):
    space = access.space_within(request.reach, space_id)
    environment_id = space.environment_id
    services.space_delete(space=space, actor=request.user)
    messages.success(request, f"Space “{space.name}” deleted.")
    return redirect("accounts:environment-detail", environment_id)


@require_POST
@administrator_page
def workbook_update(request, account, workbook_id):
    workbook = access.workbook_within(request.reach, workbook_id)
    form = NameForm(request.POST)
    if form.is_valid():
        try:
            services.workbook_update(
                workbook=workbook, actor=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Workbook renamed.")
            return redirect("accounts:space-detail", workbook.space_id)
    return render_space(request, workbook.space, renamed=(workbook.id, form), status=400)


@require_POST
@administrator_page
def workbook_delete(request, account, workbook_id):
    workbook = access.workbook_within(request.reach, workbook_id)
    space_id = workbook.space_id
    services.workbook_delete(workbook=workbook, actor=request.user)
    messages.success(request, f"Workbook “{workbook.name}” deleted.")
    return redirect("accounts:space-detail", space_id)


# The team ------------------------------------------------------------------------------------


def _render_team(request, account, *, form=None, action_form=None):
    """The team page; `action_form` carries a refused row action's reason (removing the
    last administrator, resending an invitation accepted meanwhile)."""
    form = form or InviteForm()
    action_form = action_form or ConfirmForm()
    administrators = list(request.reach.administrators())
    return render(
        request,
        "accounts/team.html",
        {
            "administrators": administrators,
            # Shown as a disabled button with its reason, not a dialog the service refuses.
            "last_administrator": len(administrators) <= 1,
            "invitations": request.reach.pending_invitations(),
            "form": form,
            "action_form": action_form,
        },
        status=400 if form.errors or action_form.errors else 200,
    )


@administrator_page
def team(request, account):
    if request.method != "POST":
        return _render_team(request, account)
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
    return _render_team(request, account, form=form)


@require_POST
@administrator_page
def administrator_remove(request, account, user_id):
    user = access.administrator_within(request.reach, user_id)
    try:
        services.administrator_remove(account=account, actor=request.user, user=user)
    except ValidationError as error:
        # Refused (the last administrator): the team page says why.
        return _render_team(request, account, action_form=refusal(error))
    messages.success(request, f"{user.email} is no longer an administrator.")
    if user.pk == request.user.pk:
        return redirect("accounts:login")
    return redirect("accounts:team")


@require_POST
@administrator_page
def administrator_invitation_resend(request, account, invitation_id):
    invitation = access.pending_invitation_within(request.reach, invitation_id)
    try:
        # As with a first invitation, the new link goes by mail only.
        services.administrator_invitation_resend(invitation=invitation, actor=request.user)
    except ValidationError as error:
        return _render_team(request, account, action_form=refusal(error))
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
        return _render_team(request, account, action_form=refusal(error))
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
            messages.success(request, f"Welcome to {invitation.account.name}.")
            return redirect("accounts:home")
    return render(
        request,
        "accounts/accept_invitation.html",
        {"invitation": invitation, "form": form},
        status=400 if form.errors else 200,
    )


# Logs ----------------------------------------------------------------------------------------


@administrator_page
def logs(request, account):
    form = LogFilterForm(request.GET or None)
    form.is_valid()
    wanted = form.cleaned_data if form.is_bound else {}
    # The same filtered log as GET /v1/events (the environment as text: the events of a
    # deleted environment can still be filtered).
    events = selectors.events_filtered(
        reach=request.reach, environment_id=wanted.get("environment"), topic=wanted.get("topic")
    )
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    environment_names = event_log.environment_names(account)
    event_log.describe(account, page, environment_names)
    topics = request.reach.events().values_list("topic", flat=True).distinct().order_by("topic")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/logs.html",
        {
            "page": page,
            "topics": [(topic, event_log.topic_words(topic)) for topic in topics],
            # The living environments first, then the deleted ones, each by name.
            "environment_choices": sorted(
                (
                    (environment_id, name, deleted)
                    for environment_id, (name, deleted) in environment_names.items()
                ),
                key=lambda choice: (choice[2], choice[1].lower()),
            ),
            "selected": wanted,
            "filter_query": query.urlencode(),
        },
    )
