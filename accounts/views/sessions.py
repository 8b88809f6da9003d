"""The Sessions page: where the administrator is signed in, and signing out of those other
browsers, one or all at once. Sessions are named by their handle, never their key
(accounts.services.sessions)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST
from qsessions.models import Session

from accounts import services
from accounts.views.common import administrator_page


@administrator_page
def sessions(request, account):
    signed_in = services.sessions_of(request.user, current_session_key=request.session.session_key)
    return render(
        request,
        "accounts/sessions.html",
        {
            "sessions": signed_in,
            "others": [session for session in signed_in if not session.current],
        },
    )


@require_POST
@administrator_page
def session_end(request, account, handle):
    session_key = services.session_key_for_handle(request.user, handle)
    # This browser's own session ends with Sign out, which clears its cookie too.
    if session_key is None or session_key == request.session.session_key:
        raise Http404("No such session.")
    try:
        services.session_end(user=request.user, session_key=session_key, actor=request.user)
    except Session.DoesNotExist:  # signed out meanwhile, by another request
        raise Http404("No such session.") from None
    messages.success(request, "That browser is signed out.")
    return redirect("accounts:sessions")


@require_POST
@administrator_page
def sessions_end_others(request, account):
    ended = services.sessions_end_all_except(
        user=request.user, keep_session_key=request.session.session_key
    )
    if ended:
        messages.success(
            request,
            "Signed out of 1 other session."
            if ended == 1
            else f"Signed out of {ended} other sessions.",
        )
    else:
        messages.info(request, "You were signed in nowhere else.")
    return redirect("accounts:sessions")


urlpatterns = [
    path("profile/sessions/", sessions, name="sessions"),
    path("profile/sessions/sign-out-others/", sessions_end_others, name="sessions-end-others"),
    path("profile/sessions/<str:handle>/sign-out/", session_end, name="session-end"),
]
