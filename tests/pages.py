"""Reading the pages the tests drive through Django's test client."""


def text(response) -> str:
    return response.content.decode()
