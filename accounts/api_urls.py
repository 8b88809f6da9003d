from django.urls import path

from accounts.api import environments

# Ids in paths are `<public_id:…>` (portal.api.PublicIdConverter): anything else there is an
# unknown route, answered by the API's JSON 404.
urlpatterns = [
    path("accounts/current", environments.CurrentAccount.as_view()),
    path("environments", environments.EnvironmentList.as_view()),
    path("environments/<public_id:environment_id>", environments.EnvironmentDetail.as_view()),
]
