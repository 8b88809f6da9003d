"""For the tests of tokens.services: the events recorded under a topic, and every event's
payload as text (to find a value that must not be there)."""

from accounts.models import Event


def events(topic: str) -> list[Event]:
    return list(Event.objects.filter(topic=topic).order_by("created_at", "id"))


def all_payloads() -> str:
    return str(list(Event.objects.values_list("payload", flat=True)))
