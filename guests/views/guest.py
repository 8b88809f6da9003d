"""The guest's own pages arrive here. For now only their addresses exist, so that the links
mailed and copied today (guests.links) point where those pages will be; until then each
answers 404 and shows nothing, never spending or revealing a link."""

from django.http import Http404
from django.views.decorators.http import require_GET


@require_GET
def magic_link(request, token: str):
    """To come: a confirmation page ("Continue to <space>") whose POST spends the link
    (guests.services.magic_link_spend). A GET must never spend it."""
    raise Http404("Not found.")


@require_GET
def shared_link(request, token: str):
    """To come: asks for a name and email, then guests.services.shared_link_redeem."""
    raise Http404("Not found.")
