"""The bearer scheme in the OpenAPI schema: drf-spectacular's extension for the API's one
authentication class. Imported from TokensConfig.ready(), as drf-spectacular asks of
extensions, so it is registered before any schema is generated."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers as drf

from portal.api import ChoiceField
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
