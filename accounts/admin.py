"""Django admin for superusers: browse everything, change little. Audit events and
invitations are read-only; digests are never shown. Accounts, environments, spaces and
workbooks are created and deleted only through the portal's services (which audit them and
keep their invariants); here a few of their fields may be corrected."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

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


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NoAddOrDeleteAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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


@admin.register(Account)
class AccountAdmin(NoAddOrDeleteAdmin):
    list_display = ["name", "id", "created_at"]
    readonly_fields = ["id", "created_at", "updated_at"]
    search_fields = ["name", "id"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "account", "role", "created_at"]


class EnvironmentAdminForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        # The unique constraint involves `account`, which is read-only here, so Django skips
        # it when validating; without this a duplicate name would fail in the database.
        name = data.get("name")
        taken = Environment.objects.filter(account=self.instance.account, name__iexact=name)
        if name and taken.exclude(pk=self.instance.pk).exists():
            self.add_error("name", DUPLICATE_ENVIRONMENT)
        return data


@admin.register(Environment)
class EnvironmentAdmin(NoAddOrDeleteAdmin):
    form = EnvironmentAdminForm
    list_display = ["name", "account", "is_prod", "id"]
    list_filter = ["is_prod"]
    readonly_fields = ["id", "account", "created_at", "updated_at"]


@admin.register(Space)
class SpaceAdmin(NoAddOrDeleteAdmin):
    list_display = ["name", "environment", "guests_can_invite", "id"]
    readonly_fields = ["id", "environment", "created_at", "updated_at"]


@admin.register(Workbook)
class WorkbookAdmin(NoAddOrDeleteAdmin):
    list_display = ["name", "space", "id"]
    readonly_fields = ["id", "space", "created_at", "updated_at"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "topic", "account", "environment_id", "actor_id"]
    list_filter = ["domain"]
    search_fields = ["topic", "environment_id", "space_id", "actor_id"]


@admin.register(AdminInvitation)
class AdminInvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "account", "created_at", "expires_at", "accepted_at"]
    exclude = ["token_digest"]
