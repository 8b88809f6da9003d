"""Which kinds of caller an endpoint admits. By default administrators (a PAT or their
access token) and secret keys; a publishable key only for the operations its key lists;
space and guest tokens only where an endpoint says so."""

from rest_framework.permissions import BasePermission

from portal.api import InsufficientScope
from portal.paths import operation_path
from tokens.principal import Principal


class PrincipalAllowed(BasePermission):
    def has_permission(self, request, view) -> bool:
        principal = request.user
        if not isinstance(principal, Principal):
            return False
        allowed = getattr(view, "allowed_principals", (Principal.USER, Principal.SECRET_KEY))
        if principal.kind == Principal.PUBLISHABLE_KEY and principal.kind not in allowed:
            operation = (request.method.upper(), operation_path(request.path))
            if operation in principal.operations:
                return True
            raise InsufficientScope()
        if principal.kind not in allowed:
            raise InsufficientScope()
        return True
