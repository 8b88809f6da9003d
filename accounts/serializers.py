"""What the account, environment, space and workbook endpoints accept and what they answer,
in the contract's camelCase (HackSoft style: one input serializer per endpoint, output
serializers per resource). Input serializers check types, lengths, choices and characters
only; who may do what stays in accounts.access and each write's rules in accounts.services.

Unknown fields are ignored (the SDK sends many this portal keeps none of: `namespaces`,
`translationsPath`, a space's `actions`, a workbook's `sheets`, …)."""

import json
import math

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import NAME_MAX_LENGTH, GuestAuthentication
from portal.api import ChoiceField, DateTimeField, IdField, QuerySerializer, TextField

# Metadata is the caller's own JSON object, stored as given. Capped so one object cannot
# fill a row (the body limit is far larger), and checked all the way down for what
# PostgreSQL's jsonb cannot store (NUL, lone surrogates, Infinity) so both databases refuse
# the same input, before any service sees it.
METADATA_MAX_CHARACTERS = 65_536  # as compact JSON text
METADATA_MAX_DEPTH = 32
# A workbook's labels: more than anyone sorts by, few enough to keep the row small.
LABELS_MAX_COUNT = 100
# Each choice at most once is what is stored; a few repeats are forgiven, not a flood.
GUEST_AUTHENTICATION_MAX_COUNT = 10


# Input fields ------------------------------------------------------------------------------


class NameField(TextField):
    """A name as accounts.services.clean_name keeps it: surrounding spaces dropped, then 1 to
    255 characters."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", NAME_MAX_LENGTH)
        super().__init__(**kwargs)


class BooleanField(serializers.BooleanField):
    """JSON true or false and nothing else: DRF's also takes 1, "yes" and "on", and its
    message echoes the input, which may hold a lone surrogate no response can carry."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


def _storable_text(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


@extend_schema_field({"type": "object", "additionalProperties": True})
class MetadataField(serializers.Field):
    """A JSON object of the caller's, any shape, within the limits above."""

    default_error_messages = {
        "not_an_object": "Must be a JSON object.",
        "text": "Text in metadata cannot hold NUL characters or lone surrogates.",
        "number": "Numbers in metadata must be finite.",
        "deep": f"Metadata may nest at most {METADATA_MAX_DEPTH} levels deep.",
        "large": f"Metadata may be at most {METADATA_MAX_CHARACTERS} characters as JSON.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("not_an_object")
        # Walked with a stack, not recursion: the parser admits nesting far deeper than the
        # limit, and the walk must get there to refuse it.
        pending = [(data, 1)]
        while pending:
            value, depth = pending.pop()
            if depth > METADATA_MAX_DEPTH:
                self.fail("deep")
            if isinstance(value, dict):
                for key, item in value.items():
                    if not _storable_text(key):
                        self.fail("text")
                    pending.append((item, depth + 1))
            elif isinstance(value, list):
                pending.extend((item, depth + 1) for item in value)
            elif isinstance(value, str):
                if not _storable_text(value):
                    self.fail("text")
            elif isinstance(value, float) and not math.isfinite(value):
                self.fail("number")
        if len(json.dumps(data, separators=(",", ":"))) > METADATA_MAX_CHARACTERS:
            self.fail("large")
        return data

    def to_representation(self, value):
        return value


@extend_schema_field(
    {
        "type": "object",
        "properties": {"guestsCanInvite": {"type": "boolean"}},
        "additionalProperties": True,
    }
)
class SpaceSettingsField(serializers.Field):
    """A space's `settings`. Of the SDK's SpaceSettings the portal keeps none yet; its own
    setting is `guestsCanInvite` (may guests invite other guests). Other keys are ignored."""

    default_error_messages = {
        "not_an_object": "Must be a JSON object.",
        "guests_can_invite": "settings.guestsCanInvite must be true or false.",
    }

    def to_internal_value(self, data) -> dict:
        if not isinstance(data, dict):
            self.fail("not_an_object")
        if "guestsCanInvite" not in data:
            return {}
        if not isinstance(data["guestsCanInvite"], bool):
            self.fail("guests_can_invite")
        return {"guests_can_invite": data["guestsCanInvite"]}

    def to_representation(self, value):
        return value


def _guest_authentication(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=ChoiceField(
            GuestAuthentication.values, message="Choose from magic_link and shared_link."
        ),
        max_length=GUEST_AUTHENTICATION_MAX_COUNT,
        **kwargs,
    )


def _labels(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=NameField(), max_length=LABELS_MAX_COUNT, **kwargs)


# Input -------------------------------------------------------------------------------------


class AccountUpdateInput(serializers.Serializer):
    """PATCH /v1/accounts/current (the SDK's AccountPatch, plus metadata)."""

    name = NameField(required=False)
    metadata = MetadataField(required=False)


class EnvironmentCreateInput(serializers.Serializer):
    """POST /v1/environments (the SDK's EnvironmentConfigCreate)."""

    name = NameField()
    # The SDK always sends it; a script that leaves it out makes a development environment.
    isProd = BooleanField(default=False)
    # Absent: magic links only, as the service defaults.
    guestAuthentication = _guest_authentication(required=False)
    metadata = MetadataField(required=False)


class EnvironmentUpdateInput(serializers.Serializer):
    """PATCH /v1/environments/{id} (EnvironmentConfigUpdate): what is sent changes."""

    name = NameField(required=False)
    isProd = BooleanField(required=False)
    guestAuthentication = _guest_authentication(required=False)
    metadata = MetadataField(required=False)


class SpaceListQuery(QuerySerializer):
    # Absent: every environment the caller may see ("spaces across environments").
    environmentId = IdField(required=False)


class SpaceCreateInput(serializers.Serializer):
    """POST /v1/spaces (the SDK's SpaceConfig). A space's guestAuthentication is its
    environment's, so a `guestAuthentication` sent here is ignored like other unknown keys."""

    environmentId = IdField()
    name = NameField()
    metadata = MetadataField(required=False)
    settings = SpaceSettingsField(required=False)


class SpaceUpdateInput(serializers.Serializer):
    """PATCH /v1/spaces/{id}: what is sent changes (a space never moves environment)."""

    name = NameField(required=False)
    metadata = MetadataField(required=False)
    settings = SpaceSettingsField(required=False)


class WorkbookListQuery(QuerySerializer):
    # Absent: every workbook the caller may see.
    spaceId = IdField(required=False)


class WorkbookCreateInput(serializers.Serializer):
    """POST /v1/workbooks (the SDK's CreateWorkbookConfig; its environment is its space's)."""

    spaceId = IdField()
    name = NameField()
    labels = _labels(required=False)


class WorkbookUpdateInput(serializers.Serializer):
    """PATCH /v1/workbooks/{id} (WorkbookUpdate): what is sent changes."""

    name = NameField(required=False)
    labels = _labels(required=False)


# Output ------------------------------------------------------------------------------------


class AccountOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    metadata = serializers.DictField()
    tokenMaxLifetimeDays = serializers.IntegerField(
        source="token_max_lifetime_days",
        allow_null=True,
        read_only=True,
        help_text="Maximum lifetime of personal access tokens, in days (7, 30, 60, 90 or 365); "
        "null: no maximum. Tokens older than it are refused, however long they were made for. "
        "Read-only here: administrators set it on the Team page, which asks them to prove who "
        "they are first, as no API credential can.",
    )
    createdAt = DateTimeField(source="created_at")
    updatedAt = DateTimeField(source="updated_at")


class EnvironmentOutput(serializers.Serializer):
    id = serializers.CharField()
    accountId = serializers.CharField(source="account_id")
    name = serializers.CharField()
    isProd = serializers.BooleanField(source="is_prod")
    guestAuthentication = serializers.ListField(
        source="guest_authentication", child=serializers.CharField()
    )
    # The SDK's Environment has these; the portal keeps none of either yet.
    features = serializers.SerializerMethodField()
    metadata = serializers.DictField()
    namespaces = serializers.SerializerMethodField()

    def get_features(self, environment) -> dict:
        return {}

    def get_namespaces(self, environment) -> list[str]:
        return []


class SpaceSettingsOutput(serializers.Serializer):
    guestsCanInvite = serializers.BooleanField(source="guests_can_invite")


class SpaceOutput(serializers.Serializer):
    """A space. `accessToken` is set only in the answer to a publishable key that has just
    created the space (valid 24 hours, for this space only); otherwise null. `guestLink` is
    the URL of the space's shared link, shown to administrators and secret keys while the
    link works (turned on, unexpired, and the environment's `guestAuthentication` allows
    `shared_link`); otherwise null, and always null for guests and publishable keys.
    `workbooksCount` counts the workbooks the caller may see: a guest granted some of the
    space's workbooks counts those."""

    # The view passes the token in context["access_token"] and the guest links the caller
    # may be shown in context["guest_links"] ({space id: URL}).

    id = serializers.CharField()
    environmentId = serializers.CharField(source="environment_id")
    name = serializers.CharField()
    createdAt = DateTimeField(source="created_at")
    updatedAt = DateTimeField(source="updated_at")
    # The environment's: guests sign in to a space the ways its environment allows.
    guestAuthentication = serializers.ListField(
        source="environment.guest_authentication", child=serializers.CharField()
    )
    workbooksCount = serializers.SerializerMethodField()
    guestLink = serializers.SerializerMethodField()
    accessToken = serializers.SerializerMethodField()
    metadata = serializers.DictField()
    settings = SpaceSettingsOutput(source="*")

    def get_workbooksCount(self, space) -> int:
        # Reads annotate the count the caller may see (accounts.api.spaces); a space just
        # created or updated, which no guest may do, counts its own.
        counted = getattr(space, "workbooks_count", None)
        return counted if counted is not None else space.workbooks.count()

    def get_guestLink(self, space) -> str | None:
        return self.context.get("guest_links", {}).get(space.id)

    def get_accessToken(self, space) -> str | None:
        return self.context.get("access_token")


class WorkbookOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    spaceId = serializers.CharField(source="space_id")
    environmentId = serializers.CharField(source="space.environment_id")
    labels = serializers.ListField(child=serializers.CharField())
    sheets = serializers.SerializerMethodField()
    createdAt = DateTimeField(source="created_at")
    updatedAt = DateTimeField(source="updated_at")

    def get_sheets(self, workbook) -> list[dict]:
        return []  # sheets and records are out of scope
