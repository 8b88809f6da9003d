"""For the tests of the guest endpoints: JSON requests, the answer to an unknown (or out of
reach) id, and a guest's own access token."""

import json

from guests import services

NOT_FOUND = {"errors": [{"message": "Not found."}]}


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def patch(client, path, body):
    return client.patch(path, json.dumps(body), content_type="application/json")


def guest_token(guest, space=None) -> str:
    return services.guest_access_token_create(guest=guest, space=space)[0]
