from django.urls import path

from guests import views

app_name = "guests"

# The addresses in guests' mails and copied links (guests.links builds them from SITE_URL).
urlpatterns = [
    path("guest/magic/<str:token>/", views.magic_link, name="magic-link"),
    path("guest/shared/<str:token>/", views.shared_link, name="shared-link"),
]
