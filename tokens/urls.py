from django.urls import path

from tokens import lifetime_policy_views, views, views_inventory

app_name = "tokens"

urlpatterns = [
    path("personal-access-tokens/", views.personal_access_tokens, name="personal-access-tokens"),
    path(
        "personal-access-tokens/<str:token_id>/regenerate/",
        views.personal_access_token_regenerate,
        name="personal-access-token-regenerate",
    ),
    path(
        "personal-access-tokens/<str:token_id>/delete/",
        views.personal_access_token_delete,
        name="personal-access-token-delete",
    ),
    # A setting of the Team page (accounts:team), which shows it.
    path(
        "team/token-lifetime/",
        lifetime_policy_views.token_lifetime_policy,
        name="token-lifetime-policy",
    ),
    path("settings/personal-tokens/", views.client_credentials, name="client-credentials"),
    path(
        "settings/personal-tokens/<str:credential_id>/delete/",
        views.client_credential_delete,
        name="client-credential-delete",
    ),
    path("credentials/", views_inventory.credentials_inventory, name="credentials"),
    path(
        "credentials/<str:credential_id>/revoke/",
        views_inventory.credential_revoke,
        name="credential-revoke",
    ),
    path("environments/<str:environment_id>/api-keys/", views.api_keys, name="api-keys"),
    path(
        "environments/<str:environment_id>/api-keys/roll/", views.api_key_roll, name="api-key-roll"
    ),
    path(
        "environments/<str:environment_id>/api-keys/<str:key_id>/reveal/",
        views.api_key_reveal,
        name="api-key-reveal",
    ),
    path("environments/<str:environment_id>/secrets/", views.secret_create, name="secret-create"),
    path("secrets/<str:secret_id>/value/", views.secret_set_value, name="secret-set-value"),
    path("secrets/<str:secret_id>/delete/", views.secret_delete, name="secret-delete"),
]
