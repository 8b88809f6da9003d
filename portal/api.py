"""The API's wire format, shared by every endpoint: the success and error envelopes, the
serializer fields that hold input to what the database can store, RFC 6750 challenges, and
the answers for what no endpoint handles (unknown routes, oversized bodies, server errors),
so that every response under /v1/ and /api/v1/ is JSON in the envelope."""

import logging
from datetime import UTC

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.http import Http404, JsonResponse
from django.urls import register_converter
from django.utils.log import log_response
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.response import Response

from portal import conflicts, refusals
from portal.paths import is_api_request

# PublicIdField's max_length: no id of ours is longer, so longer input is refused unread.
ID_MAX_LENGTH = 40
NOT_FOUND = "Not found."
SERVER_ERROR = "Something went wrong on our side. Please try again later."
TOO_LARGE = "The request body is too large."


class InsufficientScope(exceptions.PermissionDenied):
    """403 for a valid credential that may not do this (RFC 6750 `insufficient_scope`)."""

    default_detail = "This credential is not allowed to do that."


class Conflict(exceptions.APIException):
    """409: the request is sound but the state it finds refuses it (the last administrator,
    an invitation accepted meanwhile: the endpoint says which), or it lost to a write made
    at the same moment and was rolled back (portal.conflicts, the default message)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = conflicts.CONFLICT
    default_code = "conflict"


class AttemptsThrottled(exceptions.Throttled):
    """429 for attempts over a limit (signing in, django-axes' lockout), in those words. DRF's
    exception handler sets Retry-After from `wait`, as for any Throttled."""

    default_detail = "Too many attempts."
    extra_detail_singular = extra_detail_plural = "Try again in {wait} seconds."


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = TOO_LARGE
    default_code = "payload_too_large"


def iso(moment) -> str | None:
    """ISO 8601 in UTC with a Z, as the contract's dates are."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def error_list(detail, key: str | None = None, where: str = "") -> list[dict]:
    """DRF's error detail as the envelope's list. `key` is the request's own field; where
    the error lies deeper (a list's item, keyed by its index; a nested object's field), the
    message says so first: "Item 2: roleId: This field is required."."""
    if isinstance(detail, dict):
        errors = []
        for field, value in detail.items():
            if field in ("non_field_errors", "detail"):
                errors += error_list(value, key, where)
            elif key is None and isinstance(field, str):
                errors += error_list(value, camel_case(field), where)
            else:
                label = f"Item {field + 1}" if isinstance(field, int) else camel_case(field)
                errors += error_list(value, key, f"{where}{label}: ")
        return errors
    if isinstance(detail, list):
        return [error for item in detail for error in error_list(item, key, where)]
    message = where + str(detail)
    return [{"key": key, "message": message} if key else {"message": message}]


def envelope(message: str) -> dict:
    return {"errors": [{"message": message}]}


def json_error(message: str, status_code: int) -> JsonResponse:
    """The envelope from outside DRF (Django's error handlers, the catch-all route), written
    as DRF's JSONRenderer writes it."""
    return JsonResponse(
        envelope(message), status=status_code, json_dumps_params={"separators": (",", ":")}
    )


def exception_handler(exc, context):
    # Imported here: rest_framework.views loads the permission classes, which import this module.
    from rest_framework.views import exception_handler as drf_exception_handler
    from rest_framework.views import set_rollback

    request = context.get("request")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, DjangoValidationError):
        # Services validate with Django's ValidationError; the API answers it as 400.
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, SuspiciousOperation):
        # Django raises these while reading the request (RequestDataTooBig when the body is
        # over DATA_UPLOAD_MAX_MEMORY_SIZE, TooManyFieldsSent for the query string) and would
        # answer them with an HTML page; logged as Django logs them, answered here.
        suspicious = exc
        exc = PayloadTooLarge() if isinstance(exc, RequestDataTooBig) else exceptions.ParseError()
        logging.getLogger(f"django.security.{suspicious.__class__.__name__}").error(
            str(suspicious), extra={"status_code": exc.status_code, "request": request}
        )
    elif conflicts.is_conflict(exc):
        conflicts.log_conflict(exc)
        exc = Conflict()
    response = drf_exception_handler(exc, context)
    if response is None:
        # Anything else is a fault of ours. Signalled and logged as Django does for an
        # uncaught exception (so error reporting and the test client still see it), and
        # answered in the envelope without a word about it: never a debug page, DEBUG or not.
        got_request_exception.send(sender=None, request=request)
        set_rollback()
        response = Response(envelope(SERVER_ERROR), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
        # With the traceback, and once: Django's handler skips a response logged here.
        log_response(
            "Internal Server Error: %s",
            request.path if request is not None else "",
            response=response,
            request=request,
            exception=exc,
        )
        return response
    response.data = {"errors": error_list(response.data)}
    if isinstance(exc, InsufficientScope):
        response["WWW-Authenticate"] = 'Bearer error="insufficient_scope"'
    return response


def data_response(data, status_code: int = status.HTTP_200_OK) -> Response:
    return Response({"data": data}, status=status_code)


def deleted_response() -> Response:
    return Response({"data": {"success": True}})


# Input -------------------------------------------------------------------------------------


class JSONParser(parsers.JSONParser):
    """DRF's, with JSON nested deeper than Python's recursion limit ("[[[[…") answered as
    the malformed input it is rather than as a RecursionError (a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None


class StringOnly:
    """A JSON string and nothing else. DRF's CharField turns numbers into text (1e400
    arrives as inf and would become "inf"); a name, an email or an id is never a number."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TextField(StringOnly, serializers.CharField):
    """Text as PostgreSQL can store it. CharField's validators refuse NUL and lone
    surrogates, which SQLite would store and PostgreSQL (or the JSON encoder) refuse, so a
    value is refused the same way on both databases, before any service sees it."""


class EmailField(StringOnly, serializers.EmailField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)  # Django's EmailField
        super().__init__(**kwargs)


class IdField(TextField):
    """One of our public ids (`us_env_…`): text, at most as long as any id can be."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", ID_MAX_LENGTH)
        super().__init__(**kwargs)


class ChoiceField(serializers.ChoiceField):
    """DRF's, refusing with a message that names the choices rather than echoing the input:
    the input may hold a lone surrogate, which no response can carry."""

    def __init__(self, choices, *, message: str | None = None, **kwargs):
        super().__init__(choices, **kwargs)
        listed = ", ".join(str(choice) for choice in self.choices)
        self.error_messages["invalid_choice"] = message or f"Choose one of: {listed}."


class QuerySerializer(serializers.Serializer):
    """For query parameters. A parameter given twice is refused rather than one of its
    values silently picked, and so is one given empty (`?topic=`): the schema says every
    parameter has a value, and a filter sent empty would otherwise quietly match all."""

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):
            refused = {
                name: ["Give this query parameter once."]
                for name in self.fields
                if len(data.getlist(name)) > 1
            } | {
                name: ["Give this query parameter a value, or leave it out."]
                for name in self.fields
                if data.getlist(name) == [""]
            }
            if refused:
                raise serializers.ValidationError(refused)
        return super().to_internal_value(data)


def validated(serializer_class: type[serializers.Serializer], data) -> dict:
    """The input, checked by its serializer; bad input is a 400 before any service runs."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# Output ------------------------------------------------------------------------------------


class DateTimeField(serializers.DateTimeField):
    """The contract's dates: UTC, milliseconds, Z (DRF's own format has microseconds)."""

    def to_representation(self, value):
        return iso(value)


# Routes ------------------------------------------------------------------------------------


class PublicIdConverter:
    """`<public_id:…>` in API routes: an id is letters, digits and underscores, so anything
    else in its place (a NUL byte PostgreSQL would refuse, a very long string) is an unknown
    route, answered 404 like an unknown id, without a query."""

    regex = f"[0-9A-Za-z_]{{1,{ID_MAX_LENGTH}}}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PublicIdConverter, "public_id")


@csrf_exempt  # a POST to an unknown route is answered 404, not refused for its CSRF token
def not_found(request, *args, **kwargs):
    """The last route under each API prefix: what no endpoint matched (a trailing slash on a
    real route included) is a JSON 404, never Django's page, which with DEBUG lists every
    route."""
    return json_error(NOT_FOUND, status.HTTP_404_NOT_FOUND)


# Django's error handlers (portal/urls.py): JSON under the API's prefixes, the portal's own
# pages elsewhere (portal.refusals). They answer what happens outside an API view, in
# non-DEBUG mode; inside one the exception handler above answers, DEBUG or not.


def bad_request(request, exception):
    if not is_api_request(request):
        return refusals.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return json_error(TOO_LARGE, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return json_error("Bad request.", status.HTTP_400_BAD_REQUEST)


def permission_denied(request, exception):
    if not is_api_request(request):
        return refusals.permission_denied(request, exception)
    message = exceptions.PermissionDenied.default_detail
    return json_error(str(message), status.HTTP_403_FORBIDDEN)


def page_not_found(request, exception):
    if not is_api_request(request):
        return refusals.page_not_found(request, exception)
    return not_found(request)


def server_error(request):
    if not is_api_request(request):
        return defaults.server_error(request)
    return json_error(SERVER_ERROR, status.HTTP_500_INTERNAL_SERVER_ERROR)
