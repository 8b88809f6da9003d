"""For the tests of the users endpoints: the keys of a user in the SDK's shape, and the
errors an answer carries."""

USER_KEYS = {
    "id",
    "email",
    "name",
    "accountId",
    "idp",
    "metadata",
    "createdAt",
    "updatedAt",
    "lastSeenAt",
}


def errors(response) -> list[dict]:
    return response.json()["errors"]
