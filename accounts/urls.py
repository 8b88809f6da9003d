from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.password_change, name="password-change"),
    path("password-reset/", views.password_reset, name="password-reset"),
    path("password-reset/sent/", views.password_reset_done, name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path("password-reset/done/", views.password_reset_complete, name="password-reset-complete"),
    path("", views.home, name="home"),
    path("environments/", views.environment_list, name="environment-list"),
    path("environments/<str:environment_id>/", views.environment_detail, name="environment-detail"),
    path(
        "environments/<str:environment_id>/settings/",
        views.environment_settings,
        name="environment-settings",
    ),
    path(
        "environments/<str:environment_id>/delete/",
        views.environment_delete,
        name="environment-delete",
    ),
    path("spaces/", views.space_list, name="space-list"),
    path("spaces/<str:space_id>/", views.space_detail, name="space-detail"),
    path("spaces/<str:space_id>/delete/", views.space_delete, name="space-delete"),
    path("workbooks/<str:workbook_id>/", views.workbook_update, name="workbook-update"),
    path("workbooks/<str:workbook_id>/delete/", views.workbook_delete, name="workbook-delete"),
    path("team/", views.team, name="team"),
    path("team/<str:user_id>/remove/", views.administrator_remove, name="administrator-remove"),
    path(
        "team/invitations/<str:invitation_id>/resend/",
        views.administrator_invitation_resend,
        name="invitation-resend",
    ),
    path(
        "team/invitations/<str:invitation_id>/revoke/",
        views.administrator_invitation_revoke,
        name="invitation-revoke",
    ),
    # Before the token route: "accept" is never a token (tokens start with "inv_").
    path("invitations/accept/", views.accept_invitation, name="accept-invitation"),
    path("invitations/<str:token>/", views.open_invitation, name="open-invitation"),
    path("logs/", views.logs, name="logs"),
]
