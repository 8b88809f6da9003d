from django.urls import path

from tokens import api

urlpatterns = [
    path("auth", api.AccessTokenCreate.as_view()),
    path("auth/personal-access-tokens", api.PersonalAccessTokenList.as_view()),
    path("auth/personal-access-tokens/<str:token_id>", api.PersonalAccessTokenDetail.as_view()),
    path("auth/api-keys", api.ApiKeyList.as_view()),
    path("auth/publishable-key", api.PublishableKeyDetail.as_view()),
    path("auth/api-key", api.ApiKeyRoll.as_view()),
    path("secrets", api.SecretList.as_view()),
    path("secrets/<str:secret_id>", api.SecretDetail.as_view()),
]
