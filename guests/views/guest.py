"""The signed-in guest's own pages, in a minimal layout of their own
(templates/guests/layout.html), signed in by a guest session (guests.sessions, started by
the pages of guests.views.guest_links), never a Django login. guests.middleware keeps a
guest session away from every other page and marks every guest page no-store."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import GuestAuthentication, Space
from accounts.views.common import add_service_errors
from guests import services, sessions
from guests.access import GuestReach
from guests.forms import GuestDetailsForm
from guests.models import Guest, SpaceGrant
from guests.views.guest_links import allows
from portal.ratelimit import hit, too_many_requests, wait_text


def _session_ended(request):
    return render(request, "guests/session_ended.html", status=403)


def _grants(session: sessions.GuestSession):
    """The guest's grants, each with the guest, the space and what the page names (one
    query for whichever the page wants)."""
    return SpaceGrant.objects.select_related("guest", "space__environment__account").filter(
        guest_id=session.guest_id, guest__environment_id=session.environment_id
    )


def _not_granted(request, session: sessions.GuestSession):
    """No grant found: a guest deleted meanwhile is signed out; a living one asked for a
    space that is not theirs (another environment's, another guest's, an unknown id)."""
    if not Guest.objects.filter(pk=session.guest_id).exists():
        sessions.guest_session_end(request)
        return _session_ended(request)
    raise Http404("Not found.")


@require_GET
def guest_home(request):
    """The space the guest opened last (else the one granted last)."""
    session = sessions.guest_session(request)
    if session is None:
        return _session_ended(request)
    grant = (
        _grants(session)
        .order_by(F("last_accessed_at").desc(nulls_last=True), "-created_at", "-id")
        .first()
    )
    if grant is not None:
        return redirect("guests:guest-space", grant.space_id)
    guest = Guest.objects.select_related("environment__account").filter(pk=session.guest_id).first()
    if guest is None:
        sessions.guest_session_end(request)
        return _session_ended(request)
    return render(
        request, "guests/no_spaces.html", {"guest": guest, "account": guest.environment.account}
    )


def _can_invite(space: Space) -> str | None:
    """Why a guest may not invite anyone to `space`, or None if they may."""
    if not space.guests_can_invite:
        return services.GUESTS_CANNOT_INVITE
    if not allows(space, GuestAuthentication.MAGIC_LINK):
        return services.METHOD_OFF[GuestAuthentication.MAGIC_LINK]
    return None


def _render_space(request, session, grant, *, form=None, refused=None, status=200):
    space = grant.space
    reach = GuestReach(guest_id=session.guest_id, environment=space.environment)
    spaces = list(reach.spaces().only("id", "name").order_by("name", "id"))
    workbooks = list(reach.workbooks().filter(space=space))
    return render(
        request,
        "guests/space.html",
        {
            "guest": grant.guest,
            "account": space.environment.account,
            "space": space,
            "spaces": spaces,
            "workbooks": workbooks,
            "limited": not grant.all_workbooks,
            "may_invite": _can_invite(space) is None,
            "refused": refused,
            "form": form or GuestDetailsForm(),
        },
        status=status,
    )


@require_GET
def guest_space(request, space_id: str):
    """A granted space: its workbooks the guest may see, the other granted spaces to switch
    to, and "Invite a guest" where the space allows it."""
    session = sessions.guest_session(request)
    if session is None:
        return _session_ended(request)
    grant = _grants(session).filter(space_id=space_id).first()
    if grant is None:
        return _not_granted(request, session)
    services.space_grant_record_access(grant=grant)
    return _render_space(request, session, grant)


@require_POST
def guest_space_invite(request, space_id: str):
    """ "Invite a guest": that person gets this space, with the inviter's workbook limits,
    and an invitation by mail. Refused (403) where the space does not let guests invite,
    whatever the form that was sent."""
    session = sessions.guest_session(request)
    if session is None:
        return _session_ended(request)
    grant = _grants(session).filter(space_id=space_id).first()
    if grant is None:
        return _not_granted(request, session)
    refused = _can_invite(grant.space)
    if refused:
        return _render_space(request, session, grant, refused=refused, status=403)
    form = GuestDetailsForm(request.POST)
    if not form.is_valid():
        return _render_space(request, session, grant, form=form, status=400)
    # Each invitation mails someone: counted per guest, as the API counts its callers.
    wait = hit("invitations", grant.guest_id)
    if wait:
        form.add_error(None, f"Too many invitations, try again in {wait_text(wait)}.")
        return too_many_requests(_render_space(request, session, grant, form=form), wait)
    try:
        invited = services.guest_invite_guest(
            inviter=grant.guest, space=grant.space, **form.cleaned_data
        )
    except PermissionDenied as error:  # the space changed its mind meanwhile
        return _render_space(request, session, grant, refused=str(error), status=403)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_space(request, session, grant, form=form, status=400)
    messages.success(request, f"Invitation sent to {invited.email}.")
    return redirect("guests:guest-space", grant.space_id)


@require_POST
def sign_out(request):
    sessions.guest_session_end(request)
    return redirect("guests:guest-signed-out")


@require_GET
def signed_out(request):
    return render(request, "guests/session_ended.html", {"signed_out": True})
