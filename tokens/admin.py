"""Django admin for credentials and secrets: a superuser may see them (never a digest, an
encrypted value or a secret's value) and revoke them, through the same services as the
portal, so a revocation is audited and takes effect on the very next request. Nothing is
made here: a credential's value is shown once, to whoever made it, so making one for
someone else in the admin would hand it to the wrong person."""

from django import forms
from django.contrib import admin

from accounts.admin import ServiceDeletesMixin, ServiceWritesAdmin
from tokens import services
from tokens.models import ApiKey, ClientCredential, PersonalAccessToken, Secret


class RevocableAdmin(ServiceDeletesMixin, admin.ModelAdmin):
    """Seen and deleted, never added or changed: no service changes a credential in place
    (rolling and regenerating make new values, which only their owners may be shown)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(RevocableAdmin):
    list_display = ["__str__", "environment", "created_at", "last_used_at", "expires_at", "id"]
    list_filter = ["type"]
    fields = [
        "id",
        "environment",
        "type",
        "last_four",
        "operations",
        "created_at",
        "updated_at",
        "last_used_at",
        "expires_at",
    ]

    def delete_through_service(self, obj, *, actor):
        services.api_key_delete(api_key=obj, actor=actor)


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(RevocableAdmin):
    list_display = ["name", "user", "last_four", "created_at", "last_used_at", "expires_at"]
    search_fields = ["name", "user__email"]
    fields = ["id", "user", "name", "last_four", "created_at", "last_used_at", "expires_at"]

    def delete_through_service(self, obj, *, actor):
        services.personal_access_token_delete(token=obj, actor=actor)


@admin.register(ClientCredential)
class ClientCredentialAdmin(RevocableAdmin):
    list_display = ["id", "user", "last_four", "created_at", "last_used_at"]
    search_fields = ["id", "user__email"]
    fields = ["id", "user", "last_four", "created_at", "last_used_at"]

    def delete_through_service(self, obj, *, actor):
        services.client_credential_delete(credential=obj, actor=actor)


class SecretAdminForm(forms.ModelForm):
    # Write-only and kept exactly as typed, as on the API Keys page: the value is never
    # shown back. Left empty, the secret keeps its value.
    new_value = forms.CharField(
        required=False,
        strip=False,
        max_length=services.SECRET_VALUE_MAX_LENGTH,
        widget=forms.PasswordInput(render_value=False),
        help_text="Left empty, the secret keeps its value. The value is never shown.",
    )

    class Meta:
        model = Secret
        fields = []


@admin.register(Secret)
class SecretAdmin(ServiceWritesAdmin):
    """A new value through secret_upsert (by name and scope, as the page sets one); the
    name and scope stay, since upsert is by name and no service renames or moves one."""

    form = SecretAdminForm
    list_display = ["name", "environment", "space", "updated_at", "id"]
    search_fields = ["name"]
    fields = ["id", "environment", "space", "name", "new_value", "created_at", "updated_at"]
    readonly_fields = ["id", "environment", "space", "name", "created_at", "updated_at"]

    def update_through_service(self, obj, *, actor, changes):
        if changes.get("new_value"):
            services.secret_upsert(
                environment=obj.environment,
                actor=actor,
                name=obj.name,
                value=changes["new_value"],
                space=obj.space,
            )

    def delete_through_service(self, obj, *, actor):
        services.secret_delete(secret=obj, actor=actor)
