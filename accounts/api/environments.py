"""Read endpoints for the account and its environments (the API's view of accounts).

The caller is a principal with `.account` and, for an environment key, `.environment`;
accounts.access narrows every query to that reach."""

from rest_framework.views import APIView

from accounts import access
from accounts.serializers import AccountOutput, EnvironmentOutput
from portal.api import data_response


class CurrentAccount(APIView):
    def get(self, request):
        return data_response(AccountOutput(request.user.account).data)


class EnvironmentList(APIView):
    def get(self, request):
        environments = access.environments_within(request.user.account, request.user.environment)
        return data_response(EnvironmentOutput(environments, many=True).data)


class EnvironmentDetail(APIView):
    def get(self, request, environment_id: str):
        environment = access.environment_within(
            request.user.account, environment_id, request.user.environment
        )
        return data_response(EnvironmentOutput(environment).data)
