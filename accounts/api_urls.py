from django.urls import path

from accounts.api import accounts, environments, events, roles, spaces, users, workbooks

# Ids in paths are `<public_id:…>` (portal.api.PublicIdConverter): anything else there is an
# unknown route, answered by the API's JSON 404.
urlpatterns = [
    path("accounts/current", accounts.CurrentAccount.as_view()),
    path("environments", environments.EnvironmentList.as_view()),
    path("environments/<public_id:environment_id>", environments.EnvironmentDetail.as_view()),
    path("spaces", spaces.SpaceList.as_view()),
    path("spaces/<public_id:space_id>", spaces.SpaceDetail.as_view()),
    path("workbooks", workbooks.WorkbookList.as_view()),
    path("workbooks/<public_id:workbook_id>", workbooks.WorkbookDetail.as_view()),
    # Users (administrators), roles, events. `users/invite` before `users/<id>`, which it
    # would otherwise match as an id.
    path("users", users.UserList.as_view()),
    path("users/invite", users.UserInvite.as_view()),
    path("users/<public_id:user_id>", users.UserDetail.as_view()),
    path("users/<public_id:user_id>/resend-invite", users.UserInvitationResend.as_view()),
    path("roles", roles.RoleList.as_view()),
    path("events", events.EventList.as_view()),
    path("events/<public_id:event_id>", events.EventDetail.as_view()),
]
