"""(being built) Re-authentication before the dangerous actions ("sudo mode")."""

import functools


def requires_reauthentication(reason: str):
    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
