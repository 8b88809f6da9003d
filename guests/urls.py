from django.urls import path

from guests.views import administrator, guest, guest_links

app_name = "guests"

urlpatterns = [
    # The guest's own pages (guests.links builds the mailed and copied addresses from SITE_URL).
    # The fixed addresses come before the token ones ("confirm" and "join" are never tokens,
    # which start with "ml_" and "sl_").
    path("guest/", guest.guest_home, name="guest-home"),
    path("guest/magic/confirm/", guest_links.magic_link_confirm, name="magic-link-confirm"),
    path("guest/magic/new-link/", guest_links.magic_link_request, name="magic-link-request"),
    path("guest/magic/<str:token>/", guest_links.magic_link, name="magic-link"),
    path("guest/shared/join/", guest_links.shared_link_join, name="shared-link-join"),
    path("guest/shared/sent/", guest_links.shared_link_sent, name="shared-link-sent"),
    path("guest/shared/confirm/", guest_links.shared_link_confirm, name="shared-link-confirm"),
    path(
        "guest/shared/confirm/<str:token>/",
        guest_links.shared_link_confirmation,
        name="shared-link-confirmation",
    ),
    path("guest/shared/<str:token>/", guest_links.shared_link, name="shared-link"),
    path("guest/spaces/<str:space_id>/", guest.guest_space, name="guest-space"),
    path(
        "guest/spaces/<str:space_id>/invite/", guest.guest_space_invite, name="guest-space-invite"
    ),
    path("guest/sign-out/", guest.sign_out, name="guest-sign-out"),
    path("guest/signed-out/", guest.signed_out, name="guest-signed-out"),
    # The administrator's guest pages: the environment's Guests page, and the POSTs of the
    # guest sidebar on a space's page (accounts:space-detail, where each lands again).
    path(
        "environments/<str:environment_id>/guests/",
        administrator.environment_guests,
        name="environment-guests",
    ),
    path(
        "environments/<str:environment_id>/guests/<str:guest_id>/delete/",
        administrator.environment_guest_delete,
        name="environment-guest-delete",
    ),
    path("spaces/<str:space_id>/guests/", administrator.space_guest_add, name="space-guest-add"),
    path(
        "spaces/<str:space_id>/guests/<str:guest_id>/invite/",
        administrator.space_guest_invite,
        name="space-guest-invite",
    ),
    path(
        "spaces/<str:space_id>/guests/<str:guest_id>/magic-link/",
        administrator.space_guest_magic_link,
        name="space-guest-magic-link",
    ),
    path(
        "spaces/<str:space_id>/guests/<str:guest_id>/remove/",
        administrator.space_guest_remove,
        name="space-guest-remove",
    ),
    path(
        "spaces/<str:space_id>/guests/<str:guest_id>/delete/",
        administrator.space_guest_delete,
        name="space-guest-delete",
    ),
    path(
        "spaces/<str:space_id>/invitations/<str:link_id>/revoke/",
        administrator.space_invitation_revoke,
        name="space-invitation-revoke",
    ),
    path(
        "spaces/<str:space_id>/shared-link/reveal/",
        administrator.space_shared_link_reveal,
        name="space-shared-link-reveal",
    ),
    path(
        "spaces/<str:space_id>/shared-link/regenerate/",
        administrator.space_shared_link_regenerate,
        name="space-shared-link-regenerate",
    ),
    path(
        "spaces/<str:space_id>/shared-link/disable/",
        administrator.space_shared_link_disable,
        name="space-shared-link-disable",
    ),
]
