"""The guest's own pages, in a minimal layout of their own (templates/guests/layout.html),
signed in by a guest session (guests.sessions), never a Django login.

A mailed or shared link's address carries its token. Like the administrator's invitation
(accounts.views.open_invitation), following it moves the token into the session and
redirects to an address without it, so the page with the form (its address, its history
entry, the Referer of everything it loads) never holds the secret. A GET never spends
anything: mail scanners fetch links. guests.middleware keeps a guest session away from
every other page and marks every guest page no-store."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import GuestAuthentication, Space, normalize_email
from accounts.views import add_service_errors, posted
from guests import links, selectors, services, sessions
from guests.access import GuestReach
from guests.forms import GuestDetailsForm, LinkRequestForm
from guests.models import Guest, SpaceGrant
from portal.ratelimit import client_address, hit, hit_each, too_many_requests, wait_text

MAGIC_LINK_SESSION_KEY = "guests:magic_link_token"
SHARED_LINK_SESSION_KEY = "guests:shared_link_token"
CONFIRMATION_SESSION_KEY = "guests:join_confirmation_token"
JOIN_SENT_SESSION_KEY = "guests:join_sent"


def _hold_token(request, key: str, token: str, prefix: str) -> None:
    # Only a well-formed token is worth keeping: anything else is unknown without a query.
    if links.is_well_formed(token, prefix):
        request.session[key] = token
    else:
        request.session.pop(key, None)


def _method_refused(request, method: str, space: Space):
    return render(
        request,
        "guests/method_refused.html",
        {"method": method, "space": space},
        status=403,
    )


def _allows(space: Space, method: str) -> bool:
    return method in space.environment.guest_authentication


# Magic links --------------------------------------------------------------------------------


@require_GET
def magic_link(request, token: str):
    """The mailed link: its token into the session, then the confirmation page."""
    _hold_token(request, MAGIC_LINK_SESSION_KEY, token, links.MAGIC_LINK)
    return redirect("guests:magic-link-confirm")


def _magic_link_unusable(request, token: str, *, form=None, status=404):
    """The page of a link that cannot sign anyone in. A link we know (used, expired,
    revoked) names its space, so a new link can be asked for there; an unknown one (mangled,
    made up, or its guest deleted, which deletes their links) names nothing to ask for."""
    link = selectors.magic_link_of_token(token) if token else None
    if link is not None and not _allows(link.space, GuestAuthentication.MAGIC_LINK):
        return _method_refused(request, GuestAuthentication.MAGIC_LINK, link.space)
    return render(
        request,
        "guests/link_invalid.html",
        {
            "kind": "magic",
            "space": link.space if link is not None else None,
            "form": form or LinkRequestForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def magic_link_confirm(request):
    """GET: "Continue to <space>". POST: spend the link and sign its guest in."""
    token = request.session.get(MAGIC_LINK_SESSION_KEY, "")
    if not token and request.method == "GET" and sessions.holds_guest_session(request):
        # Back, after the link was spent: the guest is signed in, so their space it is.
        return redirect("guests:guest-home")
    link = selectors.magic_link_pending(token) if token else None
    if link is None:
        return _magic_link_unusable(request, token)
    if not _allows(link.space, GuestAuthentication.MAGIC_LINK):
        return _method_refused(request, GuestAuthentication.MAGIC_LINK, link.space)
    if request.method == "POST":
        try:
            grant = services.magic_link_spend(token=token)
        except ValidationError:
            # Spent by someone else a moment ago (another tab, a scanner that posts).
            return _magic_link_unusable(request, token)
        sessions.guest_session_start(request, grant.guest)
        return redirect("guests:guest-space", grant.space_id)
    return render(request, "guests/magic_link_confirm.html", {"link": link})


@require_POST
def magic_link_request(request):
    """ "Email me a new link", from the page of a link that cannot be used: a 15-minute
    sign-in link for the space of the link held in the session. The page answers the same
    whether or not the email is a guest's."""
    token = request.session.get(MAGIC_LINK_SESSION_KEY, "")
    link = selectors.magic_link_of_token(token) if token else None
    if link is None:
        return _magic_link_unusable(request, token)
    if not _allows(link.space, GuestAuthentication.MAGIC_LINK):
        return _method_refused(request, GuestAuthentication.MAGIC_LINK, link.space)
    form = LinkRequestForm(request.POST)
    # Both counters advance on every request, before anything is looked up, so a refusal
    # says nothing about who is a guest: per address, so one client cannot spray requests
    # over many emails; per email, so nobody can flood one inbox from many addresses.
    wait = hit_each(
        ("magic-link-address", client_address(request)),
        ("magic-link-email", normalize_email(request.POST.get("email"))),
    )
    if wait:
        form.is_valid()
        form.add_error(None, f"Too many requests for a new link, try again in {wait_text(wait)}.")
        return too_many_requests(_magic_link_unusable(request, token, form=form), wait)
    if not form.is_valid():
        return _magic_link_unusable(request, token, form=form, status=400)
    services.magic_link_request(space=link.space, email=form.cleaned_data["email"])
    return render(
        request,
        "guests/link_requested.html",
        {"space": link.space, "email": form.cleaned_data["email"]},
    )


# Shared links -------------------------------------------------------------------------------


@require_GET
def shared_link(request, token: str):
    """The shared link: its token into the session, then the page asking who you are."""
    _hold_token(request, SHARED_LINK_SESSION_KEY, token, links.SHARED_LINK)
    return redirect("guests:shared-link-join")


def _shared_link_unusable(request, kind: str = "shared"):
    return render(request, "guests/link_invalid.html", {"kind": kind}, status=404)


def _back_in_a_guest_session(request, key: str) -> bool:
    """Back, to a page of the join after it was confirmed here: signing in started the
    session afresh, so what the page held is gone and the browser holds a guest instead.
    Their space is the true answer, not "this link can't be used"."""
    return (
        request.method == "GET"
        and key not in request.session
        and sessions.holds_guest_session(request)
    )


@require_http_methods(["GET", "POST"])
def shared_link_join(request):
    """GET asks for a name and email; the POST mails that email a link that confirms it, and
    changes nothing else (guests.services.shared_link_join_request): nobody becomes a guest,
    or adds a space to someone's guest access, by typing an email they cannot open."""
    if _back_in_a_guest_session(request, SHARED_LINK_SESSION_KEY):
        return redirect("guests:guest-home")
    token = request.session.get(SHARED_LINK_SESSION_KEY, "")
    link = selectors.shared_link_active(token) if token else None
    if link is None:
        return _shared_link_unusable(request)
    space = link.space
    if not _allows(space, GuestAuthentication.SHARED_LINK):
        return _method_refused(request, GuestAuthentication.SHARED_LINK, space)
    form = GuestDetailsForm(posted(request))
    if request.method == "POST":
        # Counted before anything is looked up, as "Email me a new link" is: per address and
        # per link, so nobody makes guests (or mails) in bulk with a link that leaked; and
        # per email, with the sign-in links asked for, since each join mails that email.
        wait = hit_each(
            ("shared-link-address", client_address(request)),
            ("shared-link", link.id),
            ("magic-link-email", normalize_email(request.POST.get("email"))),
        )
        if wait:
            form.is_valid()
            form.add_error(None, f"Too many attempts, try again in {wait_text(wait)}.")
            page = render(
                request,
                "guests/shared_link_join.html",
                {"space": space, "account": space.environment.account, "form": form},
            )
            return too_many_requests(page, wait)
        if form.is_valid():
            try:
                services.shared_link_join_request(token=token, **form.cleaned_data)
            except ValidationError:
                # The form checked the name and email as the service does: what is left is
                # the link, regenerated or turned off since it was looked up.
                return _shared_link_unusable(request)
            request.session[JOIN_SENT_SESSION_KEY] = {
                "email": form.cleaned_data["email"],
                "space_id": space.id,
            }
            return redirect("guests:shared-link-sent")
    return render(
        request,
        "guests/shared_link_join.html",
        {"space": space, "account": space.environment.account, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
def shared_link_sent(request):
    """ "Check your email", after the join form (a page of its own, so a reload or Back
    sends nothing again). The same words whether or not the email is a guest's."""
    if _back_in_a_guest_session(request, JOIN_SENT_SESSION_KEY):
        return redirect("guests:guest-home")
    sent = request.session.get(JOIN_SENT_SESSION_KEY) or {}
    space = (
        Space.objects.select_related("environment__account")
        .filter(pk=sent.get("space_id", ""))
        .first()
    )
    if space is None:  # nothing sent from this browser (or its space deleted since)
        return redirect("guests:shared-link-join")
    return render(
        request,
        "guests/check_email.html",
        {"email": sent["email"], "space": space, "account": space.environment.account},
    )


@require_GET
def shared_link_confirmation(request, token: str):
    """The mailed confirmation link: its token into the session, then its page."""
    _hold_token(request, CONFIRMATION_SESSION_KEY, token, links.MAGIC_LINK)
    return redirect("guests:shared-link-confirm")


@require_http_methods(["GET", "POST"])
def shared_link_confirm(request):
    """GET: "Join <space> as <email>". POST: spend the confirmation, and sign its guest in
    (made now, or the guest this email was, now granted the space)."""
    if _back_in_a_guest_session(request, CONFIRMATION_SESSION_KEY):
        return redirect("guests:guest-home")
    token = request.session.get(CONFIRMATION_SESSION_KEY, "")
    confirmation = selectors.shared_link_confirmation_pending(token) if token else None
    if confirmation is None:
        return _shared_link_unusable(request, "confirmation")
    space = confirmation.shared_link.space
    if not _allows(space, GuestAuthentication.SHARED_LINK):
        return _method_refused(request, GuestAuthentication.SHARED_LINK, space)
    if request.method == "POST":
        try:
            grant = services.shared_link_join_confirm(token=token)
        except ValidationError:
            # Spent by someone else a moment ago (another tab, a scanner that posts).
            return _shared_link_unusable(request, "confirmation")
        sessions.guest_session_start(request, grant.guest)
        return redirect("guests:guest-space", grant.space_id)
    return render(
        request,
        "guests/shared_link_confirm.html",
        {"confirmation": confirmation, "space": space, "account": space.environment.account},
    )


# The signed-in guest's pages ----------------------------------------------------------------


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
    if not _allows(space, GuestAuthentication.MAGIC_LINK):
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
