"""The OpenAPI schema's shared pieces: the envelopes every endpoint answers in, the standard
error responses, and the hooks that shape the whole schema (drf-spectacular).

Annotating an endpoint::

    from drf_spectacular.utils import OpenApiParameter, extend_schema

    from portal.schema import DELETED, data_envelope, errors, page_envelope, PAGE_PARAMETERS

    class SpaceList(APIView):
        @extend_schema(
            operation_id="listSpaces",
            summary="List spaces",
            parameters=[SpaceListQuery, *PAGE_PARAMETERS],  # a QuerySerializer explodes
            responses={200: page_envelope(SpaceOutput), **errors(400)},
        )
        def get(self, request): ...

        @extend_schema(
            operation_id="createSpace",
            request=SpaceCreateInput,
            responses={201: data_envelope(SpaceOutput), **errors(400, 404, 413)},
        )
        def post(self, request): ...

    class SpaceDetail(APIView):
        @extend_schema(operation_id="deleteSpace", responses={200: DELETED, **errors(404, 409)})
        def delete(self, request, space_id): ...

- `data_envelope(Output)` is `{"data": Output}`, `data_envelope(Output, many=True)`
  `{"data": [Output]}` (an unpaged list), `page_envelope(Output)` a paged list with the
  contract's `pagination` object (portal.pagination.Pagination). Each is one component per
  serializer, named after it (`PersonalAccessTokenOutput` gives
  `PersonalAccessTokenResponse`, `...ListResponse`, `...PageResponse`).
- `errors(*codes)` gives the error envelope for each code, plus 401 and 403, which every
  authenticated endpoint can answer (no or a bad credential; a kind of credential the
  endpoint does not admit); `errors(*codes, public=True)` leaves those two out. 401
  responses get their `WWW-Authenticate` header and 429 their `Retry-After` in the
  postprocessing hook below, so no endpoint has to remember them.
- A serializer in `parameters=` becomes one query parameter per field (drf-spectacular
  explodes it), so a view's QuerySerializer documents its own query parameters.
"""

import functools

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from portal.pagination import DEFAULT_PAGE_SIZE, EXACT_COUNT_LIMIT, MAX_PAGE_SIZE

# Envelopes -----------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    key = serializers.CharField(
        required=False, help_text="The input field at fault (camelCase), when there is one."
    )
    message = serializers.CharField()


class ErrorEnvelopeSerializer(serializers.Serializer):
    """`{"errors": [{"key"?, "message"}]}`, the body of every error response."""

    errors = ErrorSerializer(many=True)


class PaginationSerializer(serializers.Serializer):
    currentPage = serializers.IntegerField(min_value=1)
    pageCount = serializers.IntegerField(min_value=0)
    totalCount = serializers.IntegerField(
        min_value=0,
        help_text="Exact; of the audit trail (listEvents), exact up to "
        f"{EXACT_COUNT_LIMIT} rows and past that the database's estimate (and pageCount with "
        "it).",
    )


class SuccessSerializer(serializers.Serializer):
    success = serializers.BooleanField()


class DeletedSerializer(serializers.Serializer):
    """`{"data": {"success": true}}`, what a deletion answers (portal.api.deleted_response)."""

    data = SuccessSerializer()


def _name(serializer) -> str:
    """The component name a serializer's envelope takes, from the serializer's class name."""
    cls = serializer if isinstance(serializer, type) else type(serializer)
    name = cls.__name__
    for suffix in ("Serializer", "Output"):
        name = name.removesuffix(suffix)
    return name


@functools.cache
def data_envelope(serializer: type[serializers.Serializer], many: bool = False):
    """`{"data": <serializer>}` (or a list of them with many=True), as
    portal.api.data_response answers. Cached: one class, so one component, per serializer."""
    suffix = "ListResponse" if many else "Response"
    return inline_serializer(
        name=f"{_name(serializer)}{suffix}", fields={"data": serializer(many=many)}
    ).__class__


@functools.cache
def page_envelope(serializer: type[serializers.Serializer]):
    """`{"data": [<serializer>], "pagination": {...}}`, as portal.pagination.Pagination
    answers. Pair it with PAGE_PARAMETERS."""
    return inline_serializer(
        name=f"{_name(serializer)}PageResponse",
        fields={"data": serializer(many=True), "pagination": PaginationSerializer()},
    ).__class__


DELETED = OpenApiResponse(DeletedSerializer, description="Deleted.")

PAGE_PARAMETERS = [
    OpenApiParameter(
        "pageSize",
        {"type": "integer", "minimum": 1, "default": DEFAULT_PAGE_SIZE},
        description=f"Rows per page, {DEFAULT_PAGE_SIZE} by default; above {MAX_PAGE_SIZE} it "
        f"is clamped to {MAX_PAGE_SIZE}. Not a whole number of at least 1: 400.",
    ),
    OpenApiParameter(
        "pageNumber",
        {"type": "integer", "minimum": 1, "default": 1},
        description="The page, from 1. Past the last page the page is empty (with the real "
        "counts). Not a whole number of at least 1: 400.",
    ),
]

# Errors -------------------------------------------------------------------------------------

ERROR_DESCRIPTIONS = {
    400: "Bad input: malformed JSON, a wrong type, a missing or invalid field or parameter.",
    401: "No credential, or one that is invalid, expired or revoked.",
    403: "The credential is valid but may not do this.",
    404: "Unknown id, or one outside the caller's reach (the two are indistinguishable).",
    409: "Conflicts with the current state, or with a change made at the same moment "
    "(nothing was saved; try again).",
    413: "The request body is too large.",
    429: "Too many attempts; try again after Retry-After seconds.",
}

ERRORS = {
    code: OpenApiResponse(ErrorEnvelopeSerializer, description=description)
    for code, description in ERROR_DESCRIPTIONS.items()
}


def errors(*codes: int, public: bool = False) -> dict[int, OpenApiResponse]:
    """The error responses for `codes`, plus 401 and 403 unless the endpoint is public."""
    wanted = set(codes) if public else {*codes, 401, 403}
    return {code: ERRORS[code] for code in sorted(wanted)}


# Hooks (SPECTACULAR_SETTINGS) -----------------------------------------------------------------


def drop_second_prefix(endpoints):
    """Preprocessing: every route is served under /v1/ and again under /api/v1/ (older
    Flatfile examples); the schema documents each once, under /v1/."""
    return [endpoint for endpoint in endpoints if not endpoint[0].startswith("/api/")]


RESPONSE_HEADERS = {
    "401": {
        "WWW-Authenticate": {
            "description": 'The RFC 6750 challenge: `Bearer realm="api"`, with '
            '`error="invalid_token"` when a credential was sent and refused.',
            "schema": {"type": "string"},
            "required": True,
        }
    },
    "403": {
        "WWW-Authenticate": {
            "description": 'Sent as `Bearer error="insufficient_scope"` when the kind of '
            "credential may not do this.",
            "schema": {"type": "string"},
            "required": False,
        }
    },
    "429": {
        "Retry-After": {
            "description": "Seconds until the next attempt is counted afresh.",
            "schema": {"type": "integer", "minimum": 1},
            "required": True,
        }
    },
}


WRITES = {"post", "put", "patch", "delete"}


def add_conflicts(result, generator, request, public):
    """Postprocessing: every write may answer 409 when it loses to a concurrent one
    (portal.conflicts, through portal.api's exception handler); endpoints that refuse a
    write for the state it finds describe their own 409."""
    conflict = {
        "description": ERROR_DESCRIPTIONS[409],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
    }
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method in WRITES:
                operation.setdefault("responses", {}).setdefault("409", conflict)
    return result


def add_error_headers(result, generator, request, public):
    """Postprocessing: the headers that go with error statuses, on every operation."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for code, response in operation.get("responses", {}).items():
                for header, spec in RESPONSE_HEADERS.get(code, {}).items():
                    response.setdefault("headers", {}).setdefault(header, spec)
    return result
