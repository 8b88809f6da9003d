from django.urls import path

from accounts import api

# Ids in paths are `<public_id:…>` (portal.api.PublicIdConverter): anything else there is an
# unknown route, answered by the API's JSON 404.
urlpatterns = [
    path("accounts/current", api.CurrentAccount.as_view()),
    path("environments", api.EnvironmentList.as_view()),
    path("environments/<public_id:environment_id>", api.EnvironmentDetail.as_view()),
]
