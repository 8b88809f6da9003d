from django.urls import path

from guests import api

# Ids in paths are `<public_id:…>` (portal.api.PublicIdConverter): anything else there is an
# unknown route, answered by the API's JSON 404.
urlpatterns = [
    path("guests", api.GuestList.as_view()),
    path("guests/<public_id:guest_id>", api.GuestDetail.as_view()),
    path("guests/<public_id:guest_id>/token", api.GuestToken.as_view()),
    path("invitations", api.InvitationList.as_view()),
]
