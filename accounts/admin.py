"""Django admin for superusers: browse everything; every write made here goes through the
same services as the portal's pages and the API, so it is validated and audited like any
other, with the signed-in superuser as its actor. What no service writes, the admin cannot
write either: those models are read-only, each saying why. Digests are never shown.

Creating accounts, environments, spaces and workbooks stays with the portal's pages and
the API, where the account is the signed-in administrator's own; here their fields may be
corrected and (but for accounts) they may be deleted, as the services allow."""

from contextvars import ContextVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

from accounts import services
from accounts.models import (
    Account,
    AdminInvitation,
    Environment,
    Event,
    Membership,
    Space,
    User,
    Workbook,
)
from accounts.services import DUPLICATE_ENVIRONMENT


def _refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceDeletesMixin:
    """Deletion, of one object or of the selected ones, through `delete_through_service`.

    The service decides what may go and says why not (an environment that still has
    spaces, the last administrator): its refusal is shown as the admin's error message and
    nothing is deleted, the bulk action's other objects included (one transaction). So
    Django's own checks of the rows that go along are left out: a PROTECT the service
    explains better, and the admin permissions of rows the service removes anyway (a removed
    administrator's membership, whose admin is read-only)."""

    # Replaces the site-wide action of the same name (ModelAdmin actions win over the site's).
    actions = ["delete_selected"]

    def delete_through_service(self, obj, *, actor) -> None:
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.delete_through_service(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_through_service(obj, actor=request.user)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, _perms_needed, _protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, set(), []

    def delete_view(self, request, object_id, extra_context=None):
        # Django runs a confirmed deletion in a transaction of its own; the refusal leaves it,
        # so the admin's log entry of the deletion is rolled back with everything else.
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as refused:
            self.message_user(request, _refusal(refused), messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change",
                    args=[object_id],
                    current_app=self.admin_site.name,
                )
            )

    @admin.action(
        permissions=["delete"],
        description=gettext_lazy("Delete selected %(verbose_name_plural)s"),
    )
    def delete_selected(self, request, queryset):
        """Django's action (its confirmation page, its log entries), in one transaction."""
        try:
            with transaction.atomic():
                return django_delete_selected(self, request, queryset)
        except ValidationError as refused:
            self.message_user(request, _refusal(refused), messages.ERROR)
            return None


class ServiceWritesAdmin(ServiceDeletesMixin, admin.ModelAdmin):
    """A model whose fields are changed by `update_through_service` (given the changed
    form fields, by name) and deleted by `delete_through_service`. Only the fields its
    service changes are editable: list them in `fields`, the rest in `readonly_fields`."""

    def has_add_permission(self, request):
        return False

    def update_through_service(self, obj, *, actor, changes: dict) -> None:
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        # The form has already set the new values on `obj`; the service is given the stored
        # row, so that it sees what changes (and records it).
        stored = type(obj)._default_manager.get(pk=obj.pk)
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        if changes:
            self.update_through_service(stored, actor=request.user, changes=changes)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A change the form let through and the service refuses: its reason, nothing saved.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refused:
            self.message_user(request, _refusal(refused), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


# People ---------------------------------------------------------------------------------------


# Django's "Change password" view builds its form from the user and the POST data alone;
# who is setting the password reaches the form's save through this, for that one request.
_password_setter: ContextVar[User] = ContextVar("password_setter")


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "Change password" form: a password set here is on the account's audit
    trail, recorded by the service the portal's own password views call, in the same
    transaction as the save, with the signed-in superuser as its actor. It is recorded as a
    reset: set without the old password."""

    @transaction.atomic
    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            services.user_record_password_change(
                user=user, actor=_password_setter.get(), reset=True
            )
        return user


def _membership_of(user: User | None) -> Membership | None:
    if user is None or user.pk is None:
        return None
    return Membership.objects.select_related("account").filter(user=user).first()


@admin.register(User)
class UserAdmin(ServiceDeletesMixin, DjangoUserAdmin):
    """Adding makes a person of no account (staff who use this admin): no service makes
    one, since no account's audit trail or invariant concerns them. An account's
    administrator is otherwise changed only as the services allow: their name through
    user_update; their email and whether they are active not at all (no service changes
    them; remove the administrator instead, which is audited and never leaves an account
    without one). The staff flags are this admin's own permissions, not the product's."""

    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "created_at"]
    search_fields = ["email", "name"]
    readonly_fields = ["id", "created_at", "updated_at", "last_login"]
    fieldsets = [
        (None, {"fields": ["id", "email", "name", "password"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "created_at", "updated_at"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "password1", "password2"]})]
    list_filter = ["is_active", "is_staff"]
    filter_horizontal = []
    change_password_form = AuditedPasswordChangeForm
    # Fields of an account's administrator that no service changes.
    administrator_readonly_fields = ["email", "is_active"]

    def user_change_password(self, request, id, form_url=""):
        setter = _password_setter.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_setter.reset(setter)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if _membership_of(obj) is not None:
            readonly += self.administrator_readonly_fields
        return readonly

    def save_model(self, request, obj, form, change):
        if not change or _membership_of(obj) is None:
            super().save_model(request, obj, form, change)
            return
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        name = changes.pop("name", None)
        stored = User.objects.get(pk=obj.pk)
        if changes:  # the staff flags: the Django admin's own permissions
            for field, value in changes.items():
                setattr(stored, field, value)
            stored.save(update_fields=[*changes, "updated_at"])
        if name is not None:
            services.user_update(user=stored, actor=request.user, name=name)

    def delete_through_service(self, obj, *, actor) -> None:
        membership = _membership_of(obj)
        if membership is None:
            obj.delete()  # of no account: no audit trail to write, no invariant to keep
        else:
            services.administrator_remove(account=membership.account, actor=actor, user=obj)


@admin.register(Account)
class AccountAdmin(ServiceWritesAdmin):
    list_display = ["name", "id", "created_at"]
    fields = ["id", "name", "metadata", "created_at", "updated_at"]
    readonly_fields = ["id", "created_at", "updated_at"]
    search_fields = ["name", "id"]

    def has_delete_permission(self, request, obj=None):
        return False  # no service deletes an account (nor could undo it)

    def update_through_service(self, obj, *, actor, changes):
        services.account_update(account=obj, actor=actor, **changes)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    # Made by accepting an invitation and ended by removing the administrator (the User
    # admin's delete); no service changes one in between.
    list_display = ["user", "account", "role", "created_at"]


# Environments, spaces, workbooks ---------------------------------------------------------------


class EnvironmentAdminForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        # The unique constraint involves `account`, which is read-only here, so Django skips
        # it when validating; checked here, the duplicate is an error beside the name.
        name = data.get("name")
        taken = Environment.objects.filter(account=self.instance.account, name__iexact=name)
        if name and taken.exclude(pk=self.instance.pk).exists():
            self.add_error("name", DUPLICATE_ENVIRONMENT)
        return data


@admin.register(Environment)
class EnvironmentAdmin(ServiceWritesAdmin):
    form = EnvironmentAdminForm
    list_display = ["name", "account", "is_prod", "id"]
    list_filter = ["is_prod"]
    fields = [
        "id",
        "account",
        "name",
        "is_prod",
        "guest_authentication",
        "metadata",
        "created_at",
        "updated_at",
    ]
    readonly_fields = ["id", "account", "created_at", "updated_at"]

    def update_through_service(self, obj, *, actor, changes):
        services.environment_update(environment=obj, actor=actor, **changes)

    def delete_through_service(self, obj, *, actor):
        services.environment_delete(environment=obj, actor=actor)


@admin.register(Space)
class SpaceAdmin(ServiceWritesAdmin):
    list_display = ["name", "environment", "guests_can_invite", "id"]
    fields = [
        "id",
        "environment",
        "name",
        "guests_can_invite",
        "metadata",
        "created_at",
        "updated_at",
    ]
    readonly_fields = ["id", "environment", "created_at", "updated_at"]

    def update_through_service(self, obj, *, actor, changes):
        services.space_update(space=obj, actor=actor, **changes)

    def delete_through_service(self, obj, *, actor):
        services.space_delete(space=obj, actor=actor)


@admin.register(Workbook)
class WorkbookAdmin(ServiceWritesAdmin):
    list_display = ["name", "space", "id"]
    fields = ["id", "space", "name", "labels", "created_at", "updated_at"]
    readonly_fields = ["id", "space", "created_at", "updated_at"]

    def update_through_service(self, obj, *, actor, changes):
        services.workbook_update(workbook=obj, actor=actor, **changes)

    def delete_through_service(self, obj, *, actor):
        services.workbook_delete(workbook=obj, actor=actor)


# The audit trail and invitations ----------------------------------------------------------------


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    # The audit trail is written only by the services, as their changes happen, and never
    # rewritten: nothing here may add, change or delete an entry.
    list_display = ["created_at", "topic", "account", "environment_id", "actor_id"]
    list_filter = ["domain"]
    search_fields = ["topic", "environment_id", "space_id", "actor_id"]


@admin.register(AdminInvitation)
class AdminInvitationAdmin(ReadOnlyAdmin):
    # Sent, resent and revoked on the Team page (and the API), whose services mail the link;
    # a row changed here would be a link nobody was sent.
    list_display = ["email", "account", "created_at", "expires_at", "accepted_at"]
    exclude = ["token_digest"]
