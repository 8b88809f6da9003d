from django.contrib import admin
from django.urls import include, path

api_urls = [
    path("", include("accounts.api_urls")),
    path("", include("tokens.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("v1/", include(api_urls)),
    path("api/v1/", include(api_urls)),  # older Flatfile examples post to /api/v1/auth
    path("", include("tokens.urls")),
    path("", include("accounts.urls")),
]
