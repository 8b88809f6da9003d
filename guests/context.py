"""Who the guest signed in to this browser is, for the pages that do not look them up
themselves: the portal's refusals (portal.refusals) name the guest's account and lead back to
their spaces, and a link's page opened while signed in says who is. Read from the database
only if the page shows it."""

from django.utils.functional import SimpleLazyObject

from guests.models import Guest
from guests.sessions import ENVIRONMENT_ID_KEY, GUEST_ID_KEY, holds_guest_session


def signed_in_guest(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated or not holds_guest_session(request):
        return {}  # an administrator's page names their account (accounts.context)
    ids = {
        "pk": request.session[GUEST_ID_KEY],
        "environment_id": request.session[ENVIRONMENT_ID_KEY],
    }
    guest = SimpleLazyObject(
        lambda: Guest.objects.select_related("environment__account").filter(**ids).first()
    )
    return {
        "guest": guest,
        "account": SimpleLazyObject(lambda: guest.environment.account if guest else None),
    }
