"""The administrator's guest pages: the guest sidebar of a space's page and the
environment's Guests page. Thin, as accounts' pages are: a form parses, an access helper
fetches (another account's ids are 404), a service changes, a page renders.

The sidebar is a section of accounts' space page: accounts renders that page as a
TemplateResponse and calls the sections registered with it (GuestsConfig.ready registers
`add_guest_sidebar`), which switches it to guests/space_detail.html, a template extending
accounts' own. accounts never imports guests. A refused form here answers with that same
page (400), the form and its errors in place."""

from collections import defaultdict
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts import access as accounts_access
from accounts.forms import ConfirmForm
from accounts.models import GuestAuthentication
from accounts.views.common import add_service_errors, administrator_page, refusal
from accounts.views.spaces import render_space
from guests import access, links, selectors, services
from guests.forms import GuestAddForm, SharedLinkForm
from guests.models import Guest, MagicLink, SpaceGrant
from portal.api import NOT_FOUND
from portal.form_nonces import new_nonce, spend_nonce
from portal.ratelimit import hit, too_many_requests, wait_text

GUESTS_PER_PAGE = 50
MAGIC_LINK_LIFETIME = wait_text(
    int(services.LIFETIMES[MagicLink.Purpose.INVITATION].total_seconds())
)


# What the pages show of a guest ---------------------------------------------------------------


def _describe(guests: list, space=None) -> None:
    """Give each guest (read through selectors.with_spaces) the spaces they have, each with
    its workbook limit (`workbooks`: None for all of them); and with `space`, their grant
    there (`grant`), how they got it (`access`) and their workbooks there."""
    by_id = {guest.id: guest for guest in guests}
    if space is not None:
        by_id |= _inviters_elsewhere(guests, space, by_id)
    for guest in guests:
        limited = defaultdict(list)
        for workbook_grant in guest.workbook_grants.all():
            limited[workbook_grant.space_id].append(workbook_grant.workbook)
        guest.granted = [
            {"space": grant.space, "grant": grant, "workbooks": _limit(grant, limited)}
            for grant in guest.space_grants.all()
        ]
        if space is None:
            continue
        here = next(item for item in guest.granted if item["space"].id == space.id)
        guest.grant, guest.workbooks = here["grant"], here["workbooks"]
        inviter = by_id.get(guest.grant.granted_by_id)
        guest.access = (
            f"Invited by {inviter}"
            if guest.grant.via == SpaceGrant.Via.GUEST and inviter is not None
            else guest.grant.get_via_display()
        )


def _inviters_elsewhere(guests: list, space, shown: dict) -> dict:
    """The guests of `space` who invited some of `guests` but are not among them (on
    another page of the sidebar), by id: one query, only when there are some."""
    wanted = {
        grant.granted_by_id
        for guest in guests
        for grant in guest.space_grants.all()
        if grant.space_id == space.id and grant.via == SpaceGrant.Via.GUEST
    } - shown.keys()
    if not wanted:
        return {}
    return {
        guest.id: guest
        for guest in access.guests_granted(Guest.objects.all(), space).filter(pk__in=wanted)
    }


def _limit(grant, limited) -> list | None:
    return None if grant.all_workbooks else limited[grant.space_id]


# The guest sidebar of a space's page ----------------------------------------------------------


def add_guest_sidebar(request, space, response) -> None:
    """The guests section of a space's page (settings.SPACE_PAGE_SECTIONS, which
    accounts.views.spaces.render_space calls): the space's guests, its pending invitations and
    its shared link, with the forms that change them. The guests are paged (`?page=`, as the
    Guests page). Six queries however many guests, grants and workbooks (five when the
    environment allows no shared link; one more when a guest was invited by one on another
    page)."""
    environment = space.environment
    methods = environment.guest_authentication
    guests = selectors.with_spaces(
        access.guests_granted(
            access.guests_within(request.reach.in_environment(environment)), space
        )
    )
    page = Paginator(guests, GUESTS_PER_PAGE).get_page(request.GET.get("page"))
    guests = list(page)
    _describe(guests, space)
    shared_links = GuestAuthentication.SHARED_LINK in methods
    response.template_name = "guests/space_detail.html"
    response.context_data.update(
        {
            "space_guests": guests,
            "space_guests_page": page,
            "pending_links": list(selectors.pending_magic_links(space)),
            "magic_links_allowed": GuestAuthentication.MAGIC_LINK in methods,
            "shared_links_allowed": shared_links,
            "shared_link": selectors.shared_link_of(space) if shared_links else None,
            "add_guest_form": GuestAddForm(workbooks=response.context_data["workbooks"]),
            "shared_link_form": SharedLinkForm(),
            "guest_action_form": ConfirmForm(),
            # One per rendering, in every "Copy magic link" form: the first one sent spends it,
            # so a reload re-sending that POST mints no second link.
            "magic_link_nonce": new_nonce(request),
            "magic_link_lifetime": MAGIC_LINK_LIFETIME,
        }
    )


def _space_page(request, space, *, status=400, **context):
    """The space's page answering a POST of the sidebar: a refused form, with its errors."""
    response = render_space(request, space, status=status)
    response.context_data.update(context)
    return response


def _refused(request, space, error: ValidationError):
    return _space_page(request, space, guest_action_form=refusal(error))


def _too_many(request, space, wait: int):
    form = ConfirmForm({})
    form.is_valid()
    form.add_error(None, f"Too many invitations, try again in {wait_text(wait)}.")
    return too_many_requests(_space_page(request, space, guest_action_form=form), wait)


def space_action(view):
    """A POST of the sidebar about a space of the account (404 otherwise). Any other method
    lands on the space's page: a reload of the page that answered a POST is a GET of the
    POST's address (portal.js), and should show the page rather than an error."""

    @wraps(view)
    @administrator_page
    def wrapper(request, account, space_id, **kwargs):
        space = accounts_access.space_within(request.reach, space_id)
        if request.method != "POST":
            return redirect("accounts:space-detail", space.id)
        return view(request, account, space, **kwargs)

    return wrapper


def _invitations_wait(request) -> int | None:
    """Each invitation mails someone: counted per administrator, with the API's."""
    return hit("invitations", request.user.id)


@space_action
def space_guest_add(request, account, space):
    form = GuestAddForm(request.POST, workbooks=list(space.workbooks.all()))
    if not form.is_valid():
        return _space_page(request, space, add_guest_form=form)
    mails = GuestAuthentication.MAGIC_LINK in space.environment.guest_authentication
    if mails and (wait := _invitations_wait(request)):
        return _too_many(request, space, wait)
    try:
        guest, invited = services.guest_add(
            space=space,
            actor=request.user,
            email=form.cleaned_data["email"],
            name=form.cleaned_data["name"],
            workbooks=form.cleaned_data["workbooks"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _space_page(request, space, add_guest_form=form)
    if invited:
        messages.success(request, f"{guest.email} can now open this space. An invitation was sent.")
    else:
        messages.success(
            request,
            f"{guest.email} can now open this space. This environment does not let guests in "
            "by magic link, so no invitation was mailed.",
        )
    return redirect("accounts:space-detail", space.id)


@space_action
def space_guest_invite(request, account, space, guest_id):
    """Resend invitation, from a guest's row or a pending invitation's."""
    guest = access.guest_within(request.reach.in_environment(space.environment), guest_id)
    if wait := _invitations_wait(request):
        return _too_many(request, space, wait)
    try:
        services.guest_reinvite(guest=guest, space=space, actor=request.user)
    except ValidationError as error:
        return _refused(request, space, error)
    messages.success(
        request,
        f"A new invitation was sent to {guest.email}; earlier invitation links no longer work.",
    )
    return redirect("accounts:space-detail", space.id)


@space_action
def space_guest_magic_link(request, account, space, guest_id):
    """Copy magic link: a fresh single-use link, shown once in the answer to this POST for
    the administrator to deliver themselves. Never in an address (the POST's is the
    guest's id) and never stored but as its digest."""
    guest = access.guest_within(request.reach.in_environment(space.environment), guest_id)
    if not spend_nonce(request, request.POST.get("nonce", "")):
        messages.error(request, "That form was already sent. No new magic link was made.")
        return redirect("accounts:space-detail", space.id)
    try:
        _link, token = services.magic_link_create(
            guest=guest, space=space, purpose=MagicLink.Purpose.INVITATION, actor=request.user
        )
    except ValidationError as error:
        return _refused(request, space, error)
    shown = {
        "title": f"Magic link for {guest}",
        "note": f"It signs {guest.email} in to this space once, within {MAGIC_LINK_LIFETIME}.",
        "values": [("Magic link", links.magic_link_url(token), "magic-link")],
    }
    return _space_page(request, space, status=200, shown_magic_link=shown)


@space_action
def space_guest_remove(request, account, space, guest_id):
    guest = access.guest_within(request.reach.in_environment(space.environment), guest_id)
    try:
        services.guest_remove_from_space(guest=guest, space=space, actor=request.user)
    except ValidationError as error:
        return _refused(request, space, error)
    messages.success(request, f"{guest.email} was removed from this space.")
    return redirect("accounts:space-detail", space.id)


def _delete(request, guest) -> None:
    spaces = sorted(
        SpaceGrant.objects.filter(guest=guest).values_list("space__name", flat=True),
        key=str.lower,
    )
    services.guest_delete(guest=guest, actor=request.user)
    lost = f" They no longer have access to {', '.join(spaces)}." if spaces else ""
    messages.success(request, f"Guest {guest.email} deleted.{lost}")


@space_action
def space_guest_delete(request, account, space, guest_id):
    _delete(request, access.guest_within(request.reach.in_environment(space.environment), guest_id))
    return redirect("accounts:space-detail", space.id)


@space_action
def space_invitation_revoke(request, account, space, link_id):
    link = access.magic_link_within(request.reach, link_id, space)
    try:
        services.magic_link_revoke(link=link, actor=request.user)
    except ValidationError as error:
        return _refused(request, space, error)
    messages.success(request, f"The link sent to {link.guest.email} was revoked.")
    return redirect("accounts:space-detail", space.id)


@space_action
def space_shared_link_reveal(request, account, space):
    """The shared link's address for the Copy button, as JSON: never in the page's HTML (a
    saved page, a screenshot of it), only when an administrator asks, on a POST that
    Django's CSRF check guards."""
    url = selectors.shared_link_urls([space]).get(space.id)
    if url is None:
        raise Http404(NOT_FOUND)
    return JsonResponse({"value": url})


@space_action
def space_shared_link_regenerate(request, account, space):
    form = SharedLinkForm(request.POST)
    if not form.is_valid():
        return _space_page(request, space, shared_link_form=form)
    days = form.cleaned_data["expires_in_days"]
    had_one = selectors.shared_link_of(space) is not None
    try:
        services.shared_link_regenerate(
            space=space,
            actor=request.user,
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
    except ValidationError as error:
        # Shown above the sidebar's sections: the shared link's own may be hidden (the
        # environment no longer allows shared links).
        return _refused(request, space, error)
    messages.success(
        request,
        "New shared link made; the old one stopped working." if had_one else "Shared link made.",
    )
    return redirect("accounts:space-detail", space.id)


@space_action
def space_shared_link_disable(request, account, space):
    try:
        services.shared_link_disable(space=space, actor=request.user)
    except ValidationError as error:
        return _refused(request, space, error)
    messages.success(request, "The shared link was turned off. It no longer works.")
    return redirect("accounts:space-detail", space.id)


# The environment's Guests page ----------------------------------------------------------------


@administrator_page
def environment_guests(request, account, environment_id):
    environment = accounts_access.environment_within(request.reach, environment_id)
    guests = selectors.with_spaces(
        access.guests_within(request.reach.in_environment(environment)).order_by("created_at", "id")
    )
    page = Paginator(guests, GUESTS_PER_PAGE).get_page(request.GET.get("page"))
    # The page is chosen by its ids (read off guest_environment_oldest_first), then only its
    # rows are read: a deep page no longer sorts every guest's whole row.
    page.object_list = guests.filter(pk__in=page.object_list.values("pk"))
    _describe(list(page))
    return render(request, "guests/admin_guests.html", {"environment": environment, "page": page})


@administrator_page
def environment_guest_delete(request, account, environment_id, guest_id):
    environment = accounts_access.environment_within(request.reach, environment_id)
    guest = access.guest_within(request.reach.in_environment(environment), guest_id)
    if request.method == "POST":
        _delete(request, guest)
    return redirect("guests:environment-guests", environment.id)
