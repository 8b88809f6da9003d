"""The audit trail, as the SDK's `events` resource: `GET /v1/events` (filtered and paged,
newest first) and `GET /v1/events/{id}`.

Reach: an administrator (a personal access token or their access token) reads the whole
account's trail, every environment's, the seed's "audit log across all environments"; a
secret key reads its own environment's events only. The list is the same filtered log as
the Logs page (accounts.selectors.events_filtered)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from accounts import access, selectors
from accounts.api.callers import ENVIRONMENT_CALLERS
from accounts.models import Event
from portal.api import DateTimeField, IdField, QuerySerializer, TextField, data_response, validated
from portal.pagination import Pagination
from portal.schema import PAGE_PARAMETERS, data_envelope, errors, page_envelope

# The columns' lengths (accounts.models.Event): no longer value can match.
DOMAIN_MAX_LENGTH = 50
TOPIC_MAX_LENGTH = 100

# Input -------------------------------------------------------------------------------------


class MomentField(DateTimeField):
    """An ISO 8601 moment. Python's datetime.fromisoformat (which Django's parser tries
    first) stops reading at a NUL, so "…Z\\x00" would pass for "…Z": text with a control
    character in it is refused before it is parsed."""

    def to_internal_value(self, value):
        if isinstance(value, str) and not value.isprintable():
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss[.uuu]][Z|+HH:MM]")
        return super().to_internal_value(value)


class EventListQuery(QuerySerializer):
    """Filters, all optional, all together. Ids are matched as text: an id that is unknown or
    outside the caller's reach matches nothing (an empty page, never a 404 that would tell
    the two apart), and a deleted environment's events can still be found."""

    environmentId = IdField(required=False, help_text="Events of this environment.")
    spaceId = IdField(required=False, help_text="Events of this space.")
    domain = TextField(
        required=False,
        max_length=DOMAIN_MAX_LENGTH,
        help_text="The part of the topic before the colon: `space`, `secret`, `api-key`, …",
    )
    topic = TextField(
        required=False,
        max_length=TOPIC_MAX_LENGTH,
        help_text="Exactly this topic: `space:created`, `personal-access-token:deleted`, …",
    )
    since = MomentField(
        required=False,
        help_text="ISO 8601; events at or after this moment. Without an offset it is UTC.",
    )
    before = IdField(
        required=False,
        help_text="An event's id: the events older than it. Pages reach "
        f"{selectors.EVENTS_MAX_DEPTH} events deep; past them, page on with `before` set to "
        "the last event read.",
    )


# Output ------------------------------------------------------------------------------------


class BlankAsNullField(serializers.CharField):
    """An id the audit trail keeps as "" when there is none (an account-wide event has no
    environment), answered as null."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value or None


class EventContextOutput(serializers.Serializer):
    """The SDK's Context, as far as the portal knows it. `environmentId` is null for an event
    of the whole account (an administrator invited, a token made), `spaceId` for one outside
    any space, `actorId` when no one acted (a system change)."""

    accountId = serializers.CharField(source="account_id")
    environmentId = BlankAsNullField(source="environment_id")
    spaceId = BlankAsNullField(source="space_id")
    actorId = BlankAsNullField(source="actor_id")


class EventOutput(serializers.Serializer):
    """The SDK's Event (GenericEvent's required keys)."""

    id = serializers.CharField()
    topic = serializers.CharField()
    domain = serializers.CharField()
    context = EventContextOutput(source="*")
    payload = serializers.SerializerMethodField()
    createdAt = DateTimeField(source="created_at")

    def get_payload(self, event: Event) -> dict[str, Any]:
        # Always an object, as the SDK's Record<string, any> (and the Logs page) read it.
        return event.payload if isinstance(event.payload, dict) else {"value": event.payload}


# Views -------------------------------------------------------------------------------------


class EventPagination(Pagination):
    estimates_total = True  # `before` reaches the events past a low estimate
    max_depth = selectors.EVENTS_MAX_DEPTH
    past_max_depth = (
        f"Pages reach {selectors.EVENTS_MAX_DEPTH} events deep; for older events, pass "
        "before=<the id of the last event read> and page from 1 again."
    )


class EventList(APIView):
    # An administrator reads the whole account's trail, a secret key its environment's.
    allowed_principals = ENVIRONMENT_CALLERS

    @extend_schema(
        operation_id="listEvents",
        summary="List the audit trail, newest first",
        description="An administrator's reach is the whole account; a secret key's, its own "
        "environment.",
        parameters=[EventListQuery, *PAGE_PARAMETERS],
        responses={200: page_envelope(EventOutput), **errors(400)},
    )
    def get(self, request):
        query = validated(EventListQuery, request.query_params)
        events = selectors.events_filtered(
            reach=request.user,
            environment_id=query.get("environmentId"),
            space_id=query.get("spaceId"),
            domain=query.get("domain"),
            topic=query.get("topic"),
            since=query.get("since"),
            before=query.get("before"),
        )
        paginator = EventPagination()
        rows = paginator.paginate_queryset(
            events, request, view=self, page_rows=selectors.events_page
        )
        return paginator.get_paginated_response(EventOutput(rows, many=True).data)


class EventDetail(APIView):
    allowed_principals = ENVIRONMENT_CALLERS

    @extend_schema(
        operation_id="getEvent",
        summary="Get one event",
        responses={200: data_envelope(EventOutput), **errors(404)},
    )
    def get(self, request, event_id: str):
        # An event of another environment or account is as unknown as one that never was.
        event = access.event_within(request.user, event_id)
        return data_response(EventOutput(event).data)
