"""The API's wire format, shared by every endpoint: the success and error envelopes, and
RFC 6750 challenges."""

from datetime import UTC

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response


class InsufficientScope(exceptions.PermissionDenied):
    """403 for a valid credential that may not do this (RFC 6750 `insufficient_scope`)."""

    default_detail = "This credential is not allowed to do that."


def iso(moment) -> str | None:
    """ISO 8601 in UTC with a Z, as the contract's dates are."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def error_list(detail, key: str | None = None) -> list[dict]:
    if isinstance(detail, dict):
        return [
            error
            for field, value in detail.items()
            for error in error_list(
                value, None if field in ("non_field_errors", "detail") else camel_case(field)
            )
        ]
    if isinstance(detail, list):
        return [error for item in detail for error in error_list(item, key)]
    return [{"key": key, "message": str(detail)} if key else {"message": str(detail)}]


def exception_handler(exc, context):
    # Imported here: rest_framework.views loads the permission classes, which import this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, DjangoValidationError):
        # Services validate with Django's ValidationError; the API answers it as 400.
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = {"errors": error_list(response.data)}
    if isinstance(exc, InsufficientScope):
        response["WWW-Authenticate"] = 'Bearer error="insufficient_scope"'
    return response


def data_response(data, status_code: int = status.HTTP_200_OK) -> Response:
    return Response({"data": data}, status=status_code)


def deleted_response() -> Response:
    return Response({"data": {"success": True}})
