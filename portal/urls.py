from csp.constants import SELF
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from portal import api

api_urls = [
    path("", include("accounts.api_urls")),
    path("", include("tokens.api_urls")),
    path("", include("guests.api_urls")),
    # Last: whatever no endpoint matched (a trailing slash on a real route too) is a JSON 404.
    re_path(r"", api.not_found),
]

# The admin has no sign-in form of its own: it sends people to the portal's, which is the
# one place sign-in attempts are limited (per email and address, per email, per address).
admin.site.login = login_required(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    # The OpenAPI schema and its interactive docs, public, before the API's catch-all. The
    # docs load only our own files (drf-spectacular-sidecar), their start-up script included
    # (the split view serves it from `?script`), so they work offline and under the CSP;
    # Swagger UI's stylesheet draws its icons as data: images, allowed on that page alone.
    path(
        "v1/openapi.json",
        SpectacularJSONAPIView.as_view(authentication_classes=[]),
        name="openapi-schema",
    ),
    path(
        "v1/docs",
        csp_update({"img-src": [SELF, "data:"]})(
            SpectacularSwaggerSplitView.as_view(
                authentication_classes=[],
                url_name="openapi-schema",
                template_name="portal/api_docs.html",
            )
        ),
        name="api-docs",
    ),
    path("v1/", include(api_urls)),
    path("api/v1/", include(api_urls)),  # older Flatfile examples post to /api/v1/auth
    re_path(r"^(?:api/)?v1$", api.not_found),
    path("", include("tokens.urls")),
    path("", include("guests.urls")),
    path("", include("accounts.urls")),
]

# Outside an API view and with DEBUG off, Django answers errors with these: JSON in the API's
# envelope under /v1/ and /api/v1/, Django's own pages everywhere else.
handler400 = api.bad_request
handler403 = api.permission_denied
handler404 = api.page_not_found
handler500 = api.server_error
