"""What the layout needs on every signed-in page: the account, its environments for the
switcher, which one is current (the one in the URL, else the last one visited), and whether
the person must set up a second factor first (accounts.two_step_policy), when the layout
offers no way anywhere else."""

from accounts.access import account_administered_by
from accounts.models import Environment
from accounts.two_step import has_second_factor

CURRENT_ENVIRONMENT_SESSION_KEY = "current_environment_id"


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    account = getattr(request, "account", None) or account_administered_by(user)
    if account is None:
        return {}
    environments = list(Environment.objects.filter(account=account))
    match = request.resolver_match
    wanted = (match.kwargs.get("environment_id") if match else None) or request.session.get(
        CURRENT_ENVIRONMENT_SESSION_KEY
    )
    current = next((env for env in environments if env.id == wanted), None)
    if current is None and environments:
        current = environments[0]
    if current is not None and request.session.get(CURRENT_ENVIRONMENT_SESSION_KEY) != current.id:
        request.session[CURRENT_ENVIRONMENT_SESSION_KEY] = current.id
    return {
        "account": account,
        "environments": environments,
        "current_environment": current,
        "two_step_setup_required": _two_step_setup_required(request, account),
    }


def _two_step_setup_required(request, account) -> bool:
    """Asked only where the account requires a second factor (no query for the others), and
    once per page: accounts.two_step_policy answers it for every page but the setup's."""
    if not account.require_two_step:
        return False
    known = getattr(request, "two_step_setup_required", None)
    return not has_second_factor(request.user) if known is None else known
