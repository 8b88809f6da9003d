from django.urls import path

from tokens import api, api_inventory, api_personal_access_tokens

# Ids in paths are `<public_id:…>` (portal.api.PublicIdConverter): anything else there is an
# unknown route, answered by the API's JSON 404.
urlpatterns = [
    path("auth", api.AccessTokenCreate.as_view()),
    path(
        "auth/personal-access-tokens",
        api_personal_access_tokens.PersonalAccessTokenList.as_view(),
    ),
    path(
        "auth/personal-access-tokens/<public_id:token_id>",
        api_personal_access_tokens.PersonalAccessTokenDetail.as_view(),
    ),
    path("auth/api-keys", api.ApiKeyList.as_view()),
    path("auth/publishable-key", api.PublishableKeyDetail.as_view()),
    path("auth/api-key", api.ApiKeyRoll.as_view()),
    path("credentials", api_inventory.CredentialList.as_view()),
    path("credentials/revoke", api.CredentialsRevoke.as_view()),
    path("credentials/<public_id:credential_id>/revoke", api_inventory.CredentialRevoke.as_view()),
    path("secrets", api.SecretList.as_view()),
    path("secrets/<public_id:secret_id>", api.SecretDetail.as_view()),
]
