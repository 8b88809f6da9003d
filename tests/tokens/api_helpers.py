"""For the tests of the credential and secret endpoints: the errors an answer carries."""


def errors(response):
    return response.json()["errors"]
