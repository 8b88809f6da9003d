"""What the guest and invitation endpoints accept and what they answer, in the contract's
(and @flatfile/api's) shapes: one input serializer per endpoint, an output serializer per
resource. Input serializers check types, lengths and characters only; who may reach what
is guests.access's, and each write's rules are guests.services'.

Unknown fields are ignored, as elsewhere: the SDK's GuestSpace also carries `sheets` and
`lastAccessed`, which the portal does not take from a caller."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers import NameField
from guests import services
from portal.api import DateTimeField, EmailField, IdField, QuerySerializer, TextField, iso

# Enough for any real request, few enough that one request cannot be made to do unbounded
# work: guests in one POST, spaces per guest, workbooks per space, invitations in one POST.
GUESTS_PER_REQUEST_MAX = 100
SPACES_PER_GUEST_MAX = 1000
WORKBOOKS_PER_SPACE_MAX = 1000
INVITATIONS_PER_REQUEST_MAX = 100


# Input -------------------------------------------------------------------------------------


class GuestWorkbookInput(serializers.Serializer):
    id = IdField()


class GuestSpaceInput(serializers.Serializer):
    """The SDK's GuestSpace: a space and, to narrow the grant, some of its workbooks
    (absent, null or empty: the whole space)."""

    id = IdField()
    workbooks = serializers.ListField(
        child=GuestWorkbookInput(),
        required=False,
        allow_null=True,
        max_length=WORKBOOKS_PER_SPACE_MAX,
    )


def _spaces(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=GuestSpaceInput(), max_length=SPACES_PER_GUEST_MAX, **kwargs)


class GuestCreateInput(serializers.Serializer):
    """The SDK's GuestConfig: POST /v1/guests takes one, or a list of them."""

    environmentId = IdField()
    email = EmailField()
    name = NameField()
    spaces = _spaces()


class GuestUpdateInput(serializers.Serializer):
    """The SDK's GuestConfigUpdate: what is sent changes; `spaces` replaces the grants. A
    guest never moves environment, so `environmentId` may only repeat the guest's own."""

    environmentId = IdField(required=False)
    email = EmailField(required=False)
    name = NameField(required=False)
    spaces = _spaces(required=False)


class GuestListQuery(QuerySerializer):
    environmentId = IdField(required=False)
    spaceId = IdField(required=False, help_text="Only guests with access to this space.")
    email = TextField(required=False, max_length=254, help_text="Exactly this address.")


class GuestSpaceQuery(QuerySerializer):
    """`?spaceId=` on DELETE /v1/guests/{id} (remove that connection only) and on
    GET /v1/guests/{id}/token (a token for that space only)."""

    spaceId = IdField(required=False)


class InvitationInput(serializers.Serializer):
    """The SDK's Invite."""

    guestId = IdField()
    spaceId = IdField()
    fromName = TextField(required=False, allow_blank=True, max_length=255)
    message = TextField(required=False, allow_blank=True, max_length=services.MESSAGE_MAX_LENGTH)


# Output ------------------------------------------------------------------------------------


class GuestWorkbookOutput(serializers.Serializer):
    id = serializers.CharField()


class GuestSpaceOutput(serializers.Serializer):
    """A guest's connection to a space. `workbooks` only when the grant is limited to some
    (then possibly empty, once those were deleted); `lastAccessed` once they opened it."""

    id = serializers.CharField()
    workbooks = GuestWorkbookOutput(many=True, required=False)
    lastAccessed = DateTimeField(required=False)


class GuestOutput(serializers.Serializer):
    """The SDK's Guest. Its grants come prefetched (guests.selectors.with_grants), so a page
    of guests costs the same queries however many grants they hold."""

    id = serializers.CharField()
    environmentId = serializers.CharField(source="environment_id")
    email = serializers.CharField()
    name = serializers.CharField()
    spaces = serializers.SerializerMethodField()
    createdAt = DateTimeField(source="created_at")
    updatedAt = DateTimeField(source="updated_at")

    @extend_schema_field(GuestSpaceOutput(many=True))
    def get_spaces(self, guest) -> list[dict]:
        limits: dict[str, list[dict]] = {}
        for grant in guest.workbook_grants.all():
            limits.setdefault(grant.space_id, []).append({"id": grant.workbook_id})
        spaces = []
        for grant in guest.space_grants.all():
            space = {"id": grant.space_id}
            if not grant.all_workbooks:
                space["workbooks"] = limits.get(grant.space_id, [])
            if grant.last_accessed_at is not None:
                space["lastAccessed"] = iso(grant.last_accessed_at)
            spaces.append(space)
        return spaces


class GuestTokenOutput(serializers.Serializer):
    """The SDK's GuestToken."""

    token = serializers.CharField()
    valid = serializers.BooleanField()
