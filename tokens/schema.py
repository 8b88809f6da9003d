"""The bearer scheme in the OpenAPI schema: drf-spectacular's extension for the API's one
authentication class. Imported from TokensConfig.ready(), as drf-spectacular asks of
extensions, so it is registered before any schema is generated."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer
from rest_framework import serializers as drf

from portal.api import ChoiceField
from portal.schema import ErrorEnvelopeSerializer, SuccessSerializer
from tokens import serializers


class BearerAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "tokens.authentication.BearerAuthentication"
    name = "bearer"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "`Authorization: Bearer <credential>`, the kind told by its form: `pat_…` a "
                "personal access token (acts as its user, across the user's environments), "
                "`sk_…` an environment's secret key (that environment only), `pk_…` a "
                "publishable key (only the operations its key lists, by default "
                "`POST /v1/spaces`), or an access token, a JWT from `POST /v1/auth`. "
                "Missing, invalid, expired or revoked: 401 with an RFC 6750 "
                "`WWW-Authenticate` challenge. Never read from the query string or the body."
            ),
        }


# POST /v1/auth's body as the SDK's `Credentials` union describes it. The view validates it
# with tokens.serializers.AccessTokenCreateInput, whose only declared field is `type` (the
# credentials' fields depend on it), so the schema names the two shapes here.


def _credentials(name: str, kind: str, fields: type[drf.Serializer]):
    return type(
        name,
        (fields,),
        {
            "type": ChoiceField(
                [kind], required=False, help_text="May be left out: told by the fields sent."
            ),
        },
    )


UserCredentialsRequest = _credentials(
    "UserCredentials", serializers.USER_CREDENTIALS, serializers.UserCredentialsInput
)
ApiCredentialsRequest = _credentials(
    "ApiCredentials", serializers.API_CREDENTIALS, serializers.ApiCredentialsInput
)

ACCESS_TOKEN_REQUEST = PolymorphicProxySerializer(
    component_name="Credentials",
    serializers=[UserCredentialsRequest, ApiCredentialsRequest],
    resource_type_field_name=None,
)


# POST /v1/auth for a person with two-step verification (GitHub's X-GitHub-OTP, ours).

ONE_TIME_CODE_HEADER = "X-Portal-OTP"

ONE_TIME_CODE_PARAMETER = OpenApiParameter(
    ONE_TIME_CODE_HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="For email and password of a person with two-step verification (a passkey "
    "or an authenticator app): the current 6-digit code of their authenticator app, or one "
    "of their unused recovery codes (spent by this request). A code is accepted once. "
    "Without it such a person's password alone is refused (401); a wrong code counts as a "
    "failed sign-in, as a wrong password does. Ignored for client credentials. Scripts "
    "should rather use a personal access token.",
)

ONE_TIME_CODE_REQUIRED_HEADER = OpenApiParameter(
    ONE_TIME_CODE_HEADER,
    str,
    OpenApiParameter.HEADER,
    enum=["required"],
    response=[401],
    description="`required` when the email and password were right but the person has "
    "two-step verification and the request carried no code, or a wrong or used one.",
)

ACCESS_TOKEN_UNAUTHORIZED = OpenApiResponse(
    ErrorEnvelopeSerializer,
    description="Wrong credentials (the same message for an unknown email and a wrong "
    f"password). For a person with two-step verification, a right password without a "
    f"code in `{ONE_TIME_CODE_HEADER}`, or with a wrong or used one, is refused too, with a "
    f"message saying so and pointing to personal access tokens, and the response header "
    f"`{ONE_TIME_CODE_HEADER}: required`.",
)


# POST /v1/credentials/revoke: one answer whatever was sent, so it tells nothing.


class CredentialsRevokeAccepted(drf.Serializer):
    """`{"data": {"success": true}}`, whether or not any value matched."""

    data = SuccessSerializer()


CREDENTIALS_REVOKE_ACCEPTED = OpenApiResponse(
    CredentialsRevokeAccepted,
    description="The report was received. Always this answer, whether any value matched a "
    "live credential or none did.",
)
