"""Read endpoints for the account and its environments (the API's view of accounts).

The caller is a principal with `.account` and, for an environment key, `.environment`;
accounts.access narrows every query to that reach."""

from rest_framework.views import APIView

from accounts import access
from accounts.models import Account, Environment
from portal.api import data_response, iso


def account_json(account: Account) -> dict:
    return {
        "id": account.id,
        "name": account.name,
        "metadata": account.metadata,
        "createdAt": iso(account.created_at),
        "updatedAt": iso(account.updated_at),
    }


def environment_json(environment: Environment) -> dict:
    return {
        "id": environment.id,
        "accountId": environment.account_id,
        "name": environment.name,
        "isProd": environment.is_prod,
        "guestAuthentication": environment.guest_authentication,
        "features": {},
        "metadata": environment.metadata,
        "namespaces": [],
    }


class CurrentAccount(APIView):
    def get(self, request):
        return data_response(account_json(request.user.account))


class EnvironmentList(APIView):
    def get(self, request):
        environments = access.environments_within(request.user.account, request.user.environment)
        return data_response([environment_json(environment) for environment in environments])


class EnvironmentDetail(APIView):
    def get(self, request, environment_id: str):
        environment = access.environment_within(
            request.user.account, environment_id, request.user.environment
        )
        return data_response(environment_json(environment))
