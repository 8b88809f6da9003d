"""The same small list endpoint (the caller's account's environments, by account id) under
each authentication scheme measured by the benchmark, all behind one route. It sits under
/v1/ as the API does, so every scheme's answer gets what every API answer gets (the
no-store headers, portal/no_store.py), with or without a credential."""

import os

from django.db import connection
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Environment
from tokens.authentication import BearerAuthentication
from tokens.permissions import PrincipalAllowed
from tokens.principal import Principal


def environments_json(account_id: str) -> Response:
    environments = Environment.objects.filter(account_id=account_id)
    return Response(
        {"data": [{"id": e.id, "name": e.name, "isProd": e.is_prod} for e in environments]}
    )


class NoAuthentication(APIView):
    """The limit: no credential at all; the account is fixed."""

    authentication_classes = []
    permission_classes = [AllowAny]
    # Set by the in-process benchmark; from the environment under gunicorn.
    account_id = os.environ.get("BENCH_ACCOUNT_ID")

    def get(self, request):
        return environments_json(self.account_id)


class RoundTrip(NoAuthentication):
    """No credential, but one database round trip first (see tests/perf/bench.py)."""

    def get(self, request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return super().get(request)


class Bearer(APIView):
    """The portal's own authentication, every credential kind: a PAT, a secret or
    publishable key, an access token for an administrator, a space or a guest. It admits
    every kind of caller, as an endpoint that names them all in `allowed_principals` does,
    so each kind gets the same answer at the same cost besides its credential check."""

    authentication_classes = [BearerAuthentication]
    permission_classes = [PrincipalAllowed]
    allowed_principals = (
        Principal.USER,
        Principal.SECRET_KEY,
        Principal.PUBLISHABLE_KEY,
        Principal.SPACE,
        Principal.GUEST,
    )

    def get(self, request):
        return environments_json(request.user.account_id)


class DrfToken(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        # These schemes know only the user: the account is one more lookup.
        return environments_json(request.user.membership.account_id)


class Knox(DrfToken):
    authentication_classes = [KnoxTokenAuthentication]


VIEWS = {
    "none": NoAuthentication.as_view(),
    "round-trip": RoundTrip.as_view(),
    "bearer": Bearer.as_view(),
    "drf-token": DrfToken.as_view(),
    "knox": Knox.as_view(),
}


@csrf_exempt  # as every APIView is
def scheme(request, name: str):
    """One route for every scheme: with a route each, URL resolution would try the routes
    before a scheme's own and cost the later ones more."""
    return VIEWS[name](request)


urlpatterns = [path("v1/bench/<slug:name>", scheme)]
