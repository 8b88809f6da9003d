"""The portal at size, for the README's "Scaling on paper": `SCALING_SIZE=large make scaling`
(PostgreSQL and Redis required: DATABASE_URL=postgres://…).

`seed` grows an account, in SQL (INSERT … SELECT generate_series: a minute, not hours of
services), to SIZES: a million audit events, 100,000 personal access tokens over 1,000
people, 10,000 spaces with 50,000 workbooks, 20,000 guests. The rows are valid for the
models (ids in portal.ids' format, topics from accounts.audit.TOPICS); the tokens' digests
match no token, so a caller signs in with one made through the service.

Its "prepare" makes a small account through the services and a large one grown by `seed`;
`measure` serves the portal with gunicorn (one worker, production settings) and times each
request kind for both accounts over one keep-alive connection: the median of ROUNDS
requests after a warm-up, small and large taking turns; `report` prints the table with the
growth factors (tests.perf.scaling drives all three)."""

import http.client
import json
import math
import os
import statistics
import sys
import time

from tests.perf.http_bench import Server

ROUNDS = int(os.environ.get("SCALING_ROUNDS", "30"))
SIZES = {
    "events": 1_000_000,
    "people": 1_000,
    "tokens_per_person": 100,
    "spaces": 10_000,
    "workbooks_per_space": 5,
    "guests": 20_000,
    "deleted_environments": 20,
}
# Events are spread over about a year, newest now.
EVENT_SPACING_SECONDS = 30


def _statements_of(cursor):
    """Runs SQL of several statements (separated by ";" at a line's end) one by one: the
    connection prepares each, and a prepared statement holds one."""

    def run(sql: str, params: dict) -> None:
        for statement in sql.split(";\n"):
            if statement.strip():
                cursor.execute(statement, params)

    return run


def seed(account, administrator, environment, sizes: dict = SIZES) -> None:
    """Grow `account` (made by the services, with `administrator` and `environment` among its
    own) to `sizes`, in SQL on Django's default connection (PostgreSQL), then VACUUM ANALYZE
    the tables as autovacuum would in time."""
    from django.db import connection

    from accounts.audit import TOPICS

    people = sizes["people"] - 1  # the administrator is one
    spaces = sizes["spaces"]
    living = list(account.environments.values_list("id", flat=True))
    deleted = [f"us_env_D{number:011}" for number in range(sizes["deleted_environments"])]
    # Where events happen: mostly the living environments, some account-wide (""), a few
    # environments since deleted.
    places = [*living * 4, "", *deleted]
    # An environment is deleted once: those events are the deleted ones' own, below.
    topics = [topic for topic in TOPICS if topic != "environment:deleted"]
    with connection.cursor() as cursor:
        # A public id (portal.ids: the prefix, "_", 12 base62 characters) made from a
        # number: zero-padded digits after a marker letter, so no two kinds of seeded row
        # and no random id are likely to meet.
        cursor.execute(
            "CREATE FUNCTION pg_temp.seed_id(prefix text, n bigint) RETURNS text"
            " LANGUAGE sql IMMUTABLE AS $$ SELECT prefix || '_S' || lpad(n::text, 11, '0') $$"
        )
        run = _statements_of(cursor)
        run(
            """
            INSERT INTO accounts_user (id, password, is_superuser, email, name, is_active,
                                       is_staff, created_at, updated_at, credentials_version)
            SELECT pg_temp.seed_id('us_usr', n), '!', false,
                   'person' || n || '@at-size.example.com', 'Person ' || n, true, false,
                   now(), now(), 0
            FROM generate_series(1, %(people)s) AS n;
            INSERT INTO accounts_membership (role, created_at, account_id, user_id)
            SELECT 'administrator', now(), %(account)s, pg_temp.seed_id('us_usr', n)
            FROM generate_series(1, %(people)s) AS n;
            """,
            {"people": people, "account": account.pk},
        )
        run(
            """
            INSERT INTO tokens_personalaccesstoken (id, name, digest, last_four, created_at,
                                                    user_id)
            SELECT pg_temp.seed_id('us_pat', n), 'Token ' || n, md5(n::text) || md5('pat' || n),
                   right(md5(n::text), 4), now() - n * interval '1 minute',
                   CASE WHEN n %% %(people)s = 0 THEN %(administrator)s
                        ELSE pg_temp.seed_id('us_usr', n %% %(people)s) END
            FROM generate_series(1, %(tokens)s) AS n
            """,
            {
                "people": sizes["people"],
                "administrator": administrator.pk,
                "tokens": sizes["people"] * sizes["tokens_per_person"],
            },
        )
        run(
            """
            INSERT INTO accounts_space (id, name, metadata, guests_can_invite, created_at,
                                        updated_at, environment_id)
            SELECT pg_temp.seed_id('us_sp', n), 'Space ' || n, '{}', true,
                   now() - n * interval '1 minute', now(), %(environment)s
            FROM generate_series(1, %(spaces)s) AS n;
            INSERT INTO accounts_workbook (id, name, labels, created_at, updated_at, space_id)
            SELECT pg_temp.seed_id('us_wb', n), 'Workbook ' || n, '[]', now(), now(),
                   pg_temp.seed_id('us_sp', 1 + n %% %(spaces)s)
            FROM generate_series(1, %(workbooks)s) AS n;
            INSERT INTO guests_guest (id, email, name, created_at, updated_at, environment_id)
            SELECT pg_temp.seed_id('us_g', n), 'guest' || n || '@at-size.example.com',
                   'Guest ' || n, now(), now(), %(environment)s
            FROM generate_series(1, %(guests)s) AS n;
            INSERT INTO guests_spacegrant (all_workbooks, via, granted_by_id, created_at,
                                           guest_id, space_id)
            SELECT true, 'administrator', %(administrator)s, now(), pg_temp.seed_id('us_g', n),
                   pg_temp.seed_id('us_sp', 1 + n %% %(spaces)s)
            FROM generate_series(1, %(guests)s) AS n;
            """,
            {
                "environment": environment.pk,
                "administrator": administrator.pk,
                "spaces": spaces,
                "workbooks": spaces * sizes["workbooks_per_space"],
                "guests": sizes["guests"],
            },
        )
        run(
            """
            INSERT INTO accounts_event (id, topic, domain, environment_id, space_id, actor_id,
                                        payload, created_at, account_id)
            SELECT pg_temp.seed_id('us_evt', n), topic, split_part(topic, ':', 1), place,
                   CASE WHEN place <> '' AND topic LIKE 'space:%%'
                        THEN pg_temp.seed_id('us_sp', 1 + n %% %(spaces)s) ELSE '' END,
                   %(administrator)s, jsonb_build_object('name', 'Thing ' || n),
                   now() - n * %(spacing)s * interval '1 second', %(account)s
            FROM generate_series(1, %(events)s) AS n,
                 LATERAL (
                     SELECT (%(topics)s::text[])[1 + n %% %(topic_count)s] AS topic,
                            (%(places)s::text[])[1 + (n / 7) %% %(place_count)s] AS place
                 ) AS pick;
            INSERT INTO accounts_event (id, topic, domain, environment_id, space_id, actor_id,
                                        payload, created_at, account_id)
            SELECT pg_temp.seed_id('us_evt', %(events)s + n), 'environment:deleted', 'environment',
                   (%(deleted)s::text[])[n], '', %(administrator)s,
                   jsonb_build_object('name', 'Gone ' || n),
                   now() - n * interval '1 day', %(account)s
            FROM generate_series(1, %(deleted_count)s) AS n;
            """,
            {
                "account": account.pk,
                "administrator": administrator.pk,
                "spaces": spaces,
                "spacing": EVENT_SPACING_SECONDS,
                "events": sizes["events"] - len(deleted),
                "topics": topics,
                "topic_count": len(topics),
                "places": places,
                "place_count": len(places),
                "deleted": deleted,
                "deleted_count": len(deleted),
            },
        )
        cursor.execute("VACUUM ANALYZE")


# In a process of its own, on the production settings ---------------------------------------


def _prepare_here() -> None:
    """Both accounts; prints JSON: per request kind, the small and the large request."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from accounts import services as account_services
    from accounts.selectors import EVENTS_MAX_DEPTH
    from accounts.views.logs import EVENTS_PER_PAGE
    from guests import services as guest_services
    from tests.factories import administrator_of, development, make_account
    from tokens import services as token_services

    call_command("migrate", verbosity=0, interactive=False)
    accounts = {}
    for size in ("small", "large"):
        account = make_account(name=f"{size} account", email=f"{size}@example.com")
        user = administrator_of(account)
        environment = development(account)
        if size == "small":
            for index in range(20):
                space = account_services.space_create(
                    environment=environment, actor=user, name=f"Space {index}"
                )
                for workbook in range(3):
                    account_services.workbook_create(
                        space=space, actor=user, name=f"Workbook {workbook}"
                    )
            for index in range(20):
                guest_services.guest_create(
                    environment=environment,
                    actor=user,
                    email=f"guest{index}@example.com",
                    name=f"Guest {index}",
                    spaces=[{"space": space, "workbooks": None}],
                )
            for index in range(5):
                token_services.personal_access_token_create(user=user, name=f"Token {index}")
        _, pat = token_services.personal_access_token_create(user=user, name="scaling")
        if size == "large":
            seed(account, user, environment)
        browser = Client(HTTP_HOST="127.0.0.1")
        browser.force_login(user)
        session = browser.cookies[settings.SESSION_COOKIE_NAME].value
        accounts[size] = {
            "environment": environment,
            "pat": pat,
            "cookie": f"{settings.SESSION_COOKIE_NAME}={session}",
            "events": account.events.count(),
            # The cursor to the oldest page: the 101st oldest event.
            "oldest": account.events.order_by("created_at", "id").values_list("id", flat=True)[100],
        }
    kinds = {}
    for size, known in accounts.items():
        environment = known["environment"].pk
        api = {"Authorization": f"Bearer {known['pat']}"}
        browser = {"Cookie": known["cookie"]}

        def last(path: str, api=api) -> str:
            """`path` at its last page, as its first page's pageCount names it."""
            page = Client(HTTP_HOST="127.0.0.1").get(path, headers=api).json()
            count = page.get("pagination", {}).get("pageCount", 1) if isinstance(page, dict) else 1
            return f"{path}{'&' if '?' in path else '?'}pageNumber={max(count, 1)}"

        events_pages = math.ceil(known["events"] / 100)
        logs_pages = math.ceil(known["events"] / EVENTS_PER_PAGE)
        requests = {
            "GET /v1/events page 1": ("/v1/events", api),
            "GET /v1/events last page": (last("/v1/events"), api),
            "GET /v1/events deepest page by number": (
                f"/v1/events?pageNumber={min(events_pages, EVENTS_MAX_DEPTH // 100)}",
                api,
            ),
            "GET /v1/events?before= oldest page": (f"/v1/events?before={known['oldest']}", api),
            "GET /v1/events?environmentId=&topic=": (
                f"/v1/events?environmentId={environment}&topic=space:created",
                api,
            ),
            "GET /v1/spaces last page": (last(f"/v1/spaces?environmentId={environment}"), api),
            "GET /v1/auth/personal-access-tokens": ("/v1/auth/personal-access-tokens", api),
            "GET /v1/auth/personal-access-tokens last page": (
                last("/v1/auth/personal-access-tokens"),
                api,
            ),
            "the /logs/ page": ("/logs/", browser),
            "the /logs/ page, deepest by number": (
                f"/logs/?page={min(logs_pages, EVENTS_MAX_DEPTH // EVENTS_PER_PAGE)}",
                browser,
            ),
            "the /logs/ page, one topic": ("/logs/?topic=space:created", browser),
        }
        for name, (path, headers) in requests.items():
            kinds.setdefault(name, {})[size] = {"path": path, "headers": headers}
    print(json.dumps(kinds))


# The driver --------------------------------------------------------------------------------


def _time(connection: http.client.HTTPConnection, request: dict) -> tuple[float, int]:
    started = time.perf_counter()
    connection.request("GET", request["path"], headers=request["headers"])
    response = connection.getresponse()
    response.read()
    return (time.perf_counter() - started) * 1000, response.status


def measure(environment: dict, kinds: dict) -> None:
    server = Server(environment, workers=1)
    try:
        server.wait_until_ready("/healthz")
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for sizes in kinds.values():
            for request in sizes.values():
                for _ in range(3):  # warm up: imports, prepared statements, caches
                    request["status"] = _time(connection, request)[1]
                request["times"] = []
            for _ in range(ROUNDS):
                for request in sizes.values():
                    elapsed, request["status"] = _time(connection, request)
                    request["times"].append(elapsed)
        connection.close()
    finally:
        server.stop()


def report(kinds: dict) -> None:
    print(f"\nAt size: median of {ROUNDS} requests, gunicorn 1 worker, PostgreSQL")
    print(f"{'request':<46}{'small ms':>9}{'large ms':>9}{'x':>6}  status")
    for name, sizes in kinds.items():
        small, large = (statistics.median(sizes[size]["times"]) for size in ("small", "large"))
        statuses = {sizes[size]["status"] for size in ("small", "large")}
        print(
            f"{name:<46}{small:>9.1f}{large:>9.1f}{large / small:>6.1f}  "
            + "/".join(str(status) for status in sorted(statuses))
        )


if __name__ == "__main__" and sys.argv[1:] == ["prepare"]:
    _prepare_here()
