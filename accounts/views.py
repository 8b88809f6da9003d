from django.http import HttpResponse


def _todo(request, **kwargs):
    return HttpResponse(status=501)


login_view = logout_view = home = environment_list = environment_detail = _todo
environment_settings = environment_delete = space_list = space_detail = space_delete = _todo
workbook_update = workbook_delete = team = administrator_remove = accept_invitation = logs = _todo
