"""Which kinds of caller an endpoint admits. By default administrators (a PAT or their
access token) and secret keys; a publishable key only for the operations its key lists;
space and guest tokens only where an endpoint says so.

And what a fine-grained personal access token's scope forbids outright, whatever the
object: a read-only token every method but GET, HEAD and OPTIONS; a token narrowed to some
environments what concerns the account as a whole (a view's `account_wide_methods`:
administrators, tokens, creating or deleting environments, the account itself). Both are
refused with a 403 naming the token's scope. What lies in another environment is the
reach's to hide (a 404, as an unknown id)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

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
        # A read makes a credential where a view says so (a guest access token, which may
        # invite): that is a write a read-only token may not do either.
        minting = request.method in getattr(view, "minting_methods", ())
        if principal.read_only and (request.method not in SAFE_METHODS or minting):
            raise InsufficientScope(
                f"This token is read-only ({principal.credential.scope_label()}): "
                "it may read, and change nothing."
            )
        account_wide = getattr(view, "account_wide_methods", ())
        if principal.environment_scope is not None and request.method in account_wide:
            raise InsufficientScope(
                f"This token is limited to some environments "
                f"({principal.credential.scope_label()}): it may not act on the account as a "
                "whole."
            )
        return True
