from django.urls import path

from tokens import views

app_name = "tokens"

urlpatterns = [
    path("personal-access-tokens/", views.personal_access_tokens, name="personal-access-tokens"),
    path("settings/personal-tokens/", views.client_credentials, name="client-credentials"),
    path("environments/<str:environment_id>/api-keys/", views.api_keys, name="api-keys"),
]
