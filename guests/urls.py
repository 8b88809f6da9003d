from django.urls import path

from guests.views import administrator, guest

app_name = "guests"

urlpatterns = [
    # The guest's own pages (guests.links builds the mailed and copied addresses from SITE_URL).
    path("guest/magic/<str:token>/", guest.magic_link, name="magic-link"),
    path("guest/shared/<str:token>/", guest.shared_link, name="shared-link"),
    # The administrator's guest pages.
]
