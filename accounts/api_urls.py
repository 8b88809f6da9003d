from django.urls import path

from accounts import api

urlpatterns = [
    path("accounts/current", api.CurrentAccount.as_view()),
    path("environments", api.EnvironmentList.as_view()),
    path("environments/<str:environment_id>", api.EnvironmentDetail.as_view()),
]
