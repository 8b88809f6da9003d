from django.http import HttpResponse


def _todo(request, **kwargs):
    return HttpResponse(status=501)


personal_access_tokens = client_credentials = api_keys = _todo
