from django.urls import include, path

from accounts.views import (
    authenticator_app,
    environments,
    logs,
    passkeys,
    profile,
    security,
    sessions,
    sign_in,
    spaces,
    team,
)

app_name = "accounts"

urlpatterns = [
    path("login/", sign_in.login_view, name="login"),
    path("logout/", sign_in.logout_view, name="logout"),
    path("profile/", profile.profile, name="profile"),
    path("profile/password/", profile.password_change, name="password-change"),
    path("", include(security.urlpatterns)),
    path("", include(authenticator_app.urlpatterns)),
    path("", include(passkeys.urlpatterns)),
    path("", include(sessions.urlpatterns)),
    path("password-reset/", sign_in.password_reset, name="password-reset"),
    path("password-reset/sent/", sign_in.password_reset_done, name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        sign_in.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path("password-reset/done/", sign_in.password_reset_complete, name="password-reset-complete"),
    path("", environments.home, name="home"),
    path("environments/", environments.environment_list, name="environment-list"),
    path(
        "environments/<str:environment_id>/",
        environments.environment_detail,
        name="environment-detail",
    ),
    path(
        "environments/<str:environment_id>/settings/",
        environments.environment_settings,
        name="environment-settings",
    ),
    path(
        "environments/<str:environment_id>/delete/",
        environments.environment_delete,
        name="environment-delete",
    ),
    path("spaces/", spaces.space_list, name="space-list"),
    path("spaces/<str:space_id>/", spaces.space_detail, name="space-detail"),
    path("spaces/<str:space_id>/delete/", spaces.space_delete, name="space-delete"),
    path("workbooks/<str:workbook_id>/", spaces.workbook_update, name="workbook-update"),
    path("workbooks/<str:workbook_id>/delete/", spaces.workbook_delete, name="workbook-delete"),
    path("team/", team.team, name="team"),
    path("team/two-step/", team.two_step_policy, name="team-two-step"),
    path("team/<str:user_id>/remove/", team.administrator_remove, name="administrator-remove"),
    path(
        "team/invitations/<str:invitation_id>/resend/",
        team.administrator_invitation_resend,
        name="invitation-resend",
    ),
    path(
        "team/invitations/<str:invitation_id>/revoke/",
        team.administrator_invitation_revoke,
        name="invitation-revoke",
    ),
    # Before the token route: "accept" is never a token (tokens start with "inv_").
    path("invitations/accept/", team.accept_invitation, name="accept-invitation"),
    path("invitations/<str:token>/", team.open_invitation, name="open-invitation"),
    path("logs/", logs.logs, name="logs"),
]
