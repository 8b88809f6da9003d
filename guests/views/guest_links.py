"""The pages a guest's link opens, in the guests' minimal layout
(templates/guests/layout.html): a mailed sign-in link (magic link), and a space's shared
link with the confirmation it mails. Each ends in a guest session (guests.sessions), never
a Django login.

A mailed or shared link's address carries its token. Like the administrator's invitation
(accounts.views.team.open_invitation), following it moves the token into the session and
redirects to an address without it, so the page with the form (its address, its history
entry, the Referer of everything it loads) never holds the secret. A GET never spends
anything: mail scanners fetch links."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import GuestAuthentication, Space, normalize_email
from accounts.views.common import posted
from guests import links, selectors, services, sessions
from guests.forms import GuestDetailsForm, LinkRequestForm
from portal.ratelimit import client_address, hit_each, too_many_requests, wait_text

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


def allows(space: Space, method: str) -> bool:
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
    if link is not None and not allows(link.space, GuestAuthentication.MAGIC_LINK):
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
    if not allows(link.space, GuestAuthentication.MAGIC_LINK):
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
    if not allows(link.space, GuestAuthentication.MAGIC_LINK):
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
    if not allows(space, GuestAuthentication.SHARED_LINK):
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
    if not allows(space, GuestAuthentication.SHARED_LINK):
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
