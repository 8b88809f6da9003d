"""What the account endpoints answer, in the contract's camelCase (output serializers; these
endpoints take no input beyond the path)."""

from rest_framework import serializers

from portal.api import DateTimeField


class AccountOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    metadata = serializers.JSONField()
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
    metadata = serializers.JSONField()
    namespaces = serializers.SerializerMethodField()

    def get_features(self, environment) -> dict:
        return {}

    def get_namespaces(self, environment) -> list:
        return []
