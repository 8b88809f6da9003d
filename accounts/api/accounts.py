"""GET/PATCH /v1/accounts/current: the caller's account (the SDK's accounts.getCurrent and
accounts.updateCurrent)."""

from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from accounts import services
from accounts.api.callers import ADMINISTRATORS, ENVIRONMENT_CALLERS, AllowedByMethod
from accounts.serializers import AccountOutput, AccountUpdateInput
from portal.api import data_response, validated
from portal.schema import data_envelope, errors


class CurrentAccount(AllowedByMethod, APIView):
    # Renaming the account is an administrator's; a key sees its account, nothing more.
    allowed_by_method = {"GET": ENVIRONMENT_CALLERS, "PATCH": ADMINISTRATORS}
    account_wide_methods = ("PATCH",)  # not by a token narrowed to some environments

    @extend_schema(
        operation_id="getCurrentAccount",
        summary="Get the current account",
        responses={200: data_envelope(AccountOutput), **errors()},
    )
    def get(self, request):
        return data_response(AccountOutput(request.user.account).data)

    @extend_schema(
        operation_id="updateCurrentAccount",
        summary="Update the current account",
        description="Renames the account or replaces its metadata; what is not sent stays. "
        "Administrators only.",
        request=AccountUpdateInput,
        responses={200: data_envelope(AccountOutput), **errors(400, 413)},
    )
    def patch(self, request):
        data = validated(AccountUpdateInput, request.data)
        account = services.account_update(
            account=request.user.account,
            actor=request.user,
            name=data.get("name"),
            metadata=data.get("metadata"),
        )
        return data_response(AccountOutput(account).data)
