"""How the log page reads: who made each change (a name, not an id), what it was (the
topic in words and the object's name), and its details as words, not Python reprs."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Value
from django.db.models.fields.json import KT
from django.utils.module_loading import import_string

from accounts import access
from accounts.models import Account, Event, User


@dataclass(frozen=True)
class ActorLabel:
    """How the log names whoever made a change: `text` in place of their id, `note` muted
    beside it (why the name is missing, or the id nobody can name), `title` on hover."""

    text: str
    note: str = ""
    title: str = ""


# What an actor of a known kind is called until its app names it. Actors that only another
# app can name (an API key, a guest) are named by the function settings.ACTOR_LABELLERS
# gives for their ids' prefix: that app depends on accounts, not the other way round.
ACTOR_KINDS = {"us_key": "API key"}
USER_ID_PREFIX = "us_usr"


def _id_prefix(public_id: str) -> str:
    return public_id.rsplit("_", 1)[0]


def _actor_labels(account: Account, actor_ids: set[str]) -> dict[str, ActorLabel]:
    """Labels for the actors of one page of events: one query per kind of actor on the page,
    however many events there are."""
    by_kind: dict[str, set[str]] = {}
    for actor_id in actor_ids - {""}:
        by_kind.setdefault(_id_prefix(actor_id), set()).add(actor_id)
    labels: dict[str, ActorLabel] = {}
    user_ids = by_kind.pop(USER_ID_PREFIX, set())
    if user_ids:
        for user_id, name, email in User.objects.filter(
            pk__in=user_ids, membership__account=account
        ).values_list("id", "name", "email"):
            labels[user_id] = ActorLabel(name, title=email) if name else ActorLabel(email)
        removed = user_ids - labels.keys()
        if removed:
            # A removed administrator's user is gone; the events of their joining and their
            # removal recorded their email.
            for user_id, email in (
                access.events_within(account)
                .filter(
                    topic__in=["administrator:added", "administrator:removed"],
                    payload__userId__in=removed,
                )
                .values_list(KT("payload__userId"), KT("payload__email"))
            ):
                if email:
                    labels[user_id] = ActorLabel(email, note="removed", title=user_id)
            for user_id in removed - labels.keys():
                labels[user_id] = ActorLabel("A removed administrator", note=user_id)
    for prefix, ids in by_kind.items():
        labeller = settings.ACTOR_LABELLERS.get(prefix)
        named = import_string(labeller)(account, ids) if labeller else {}
        for actor_id in ids:
            labels[actor_id] = named.get(actor_id) or (
                ActorLabel(ACTOR_KINDS[prefix], note=actor_id)
                if prefix in ACTOR_KINDS
                else ActorLabel(actor_id)
            )
    return labels


def environment_names(account: Account) -> dict[str, tuple[str, bool]]:
    """Every environment the log can mention, id → (name, deleted): the living ones, and the
    deleted ones by the name their deletion recorded. One query: a union of both."""
    living = (
        access.Reach(account=account)
        .environments()
        .order_by()
        .values_list("id", "name", Value(False))
    )
    deleted = (
        access.events_within(account)
        .filter(topic="environment:deleted")
        .order_by()
        .values_list("environment_id", KT("payload__name"), Value(True))
    )
    return {
        environment_id: (name or environment_id, bool(gone))
        for environment_id, name, gone in living.union(deleted)
    }


def topic_words(topic: str) -> str:
    """`api-key:rolled` → "API key rolled"."""
    words = ["API" if word == "api" else word for word in re.split(r"[:\-]", topic) if word]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


# Payload keys that name the event's object: shown in "what", not again in the details.
OBJECT_NAME_KEYS = ("name", "email")
DETAIL_LABELS = {"isProd": "Production"}
NONE_TEXT = {"expiresAt": "never"}


def _humanise_key(key: str) -> str:
    """`expiresAt` → "Expires at", `retiredKeyIds` → "Retired key IDs"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key).replace("_", " ").lower().split()
    text = " ".join({"id": "ID", "ids": "IDs"}.get(word, word) for word in words)
    return DETAIL_LABELS.get(key) or text[:1].upper() + text[1:]


def _as_text(value, key: str = "") -> str:
    """A payload value as words: no Python reprs, no JSON."""
    if value is None:
        return NONE_TEXT.get(key, "—")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        if key == "changed":  # field names
            value = [str(item).replace("_", " ") for item in value]
        return ", ".join(_as_text(item) for item in value) or "none"
    if isinstance(value, dict):
        return (
            ", ".join(f"{_humanise_key(str(k))}: {_as_text(v, str(k))}" for k, v in value.items())
            or "none"
        )
    if isinstance(value, str) and key.endswith("At"):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(value)


def _event_details(event, labels: dict[str, ActorLabel]) -> list[tuple[str, str]]:
    details = []
    for key, value in event.payload.items():
        if key == event.object_key:
            continue
        if key == "invitedBy" and value in labels:
            text = labels[value].text
        else:
            text = _as_text(value, key)
        details.append((_humanise_key(key), text))
    return details


def describe(
    account: Account, events: Iterable[Event], environment_names: dict[str, tuple[str, bool]]
) -> None:
    """Give each event of a page its actor, what it was, its environment's name and its
    details, with one query per kind of actor on the page however many events there are."""
    events = list(events)
    # Actors are kept as text ids; an invitation's inviter is one too.
    actor_ids = {event.actor_id for event in events} | {
        event.payload["invitedBy"]
        for event in events
        if isinstance(event.payload, dict) and isinstance(event.payload.get("invitedBy"), str)
    }
    labels = _actor_labels(account, actor_ids)
    for event in events:
        if not isinstance(event.payload, dict):
            event.payload = {"value": event.payload}
        event.environment_name, event.environment_deleted = environment_names.get(
            event.environment_id, (event.environment_id, False)
        )
        event.actor = labels.get(event.actor_id)
        event.what = topic_words(event.topic)
        event.object_key = next(
            (key for key in OBJECT_NAME_KEYS if isinstance(event.payload.get(key), str)), None
        )
        event.object_name = event.payload.get(event.object_key, "")
        event.details = _event_details(event, labels)
