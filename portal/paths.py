"""Where the API is served: under /v1/, and again under /api/v1/ for older Flatfile examples.

The one answer to "is this request for the API?", asked by Django's error handlers and the
refusal pages (JSON or the portal's page), the sign-in lockout (envelope or page) and the
guest-session middleware (the API is left to its bearer credentials); and the path an
operation is known by under either prefix (a publishable key's operations). A module of its
own, importing nothing of the portal's, so that every one of them can import it."""

API_PREFIXES = ("/v1/", "/api/v1/")


def is_api_request(request) -> bool:
    path = request.path_info
    return path.startswith(API_PREFIXES) or path in ("/v1", "/api/v1")


def operation_path(path: str) -> str:
    """The path an operation is known by: `/api/v1/spaces/` and `/v1/spaces` are the same."""
    path = path.rstrip("/")
    return path.removeprefix("/api") if path.startswith("/api/v1/") or path == "/api/v1" else path
