"""`make bench`: requests per second of one small authenticated list endpoint under each
authentication scheme, in one process and one run, as ratios to no authentication.

Requests go through Django's WSGI handler in-process, identical for every scheme. Schemes
take turns in short blocks, round after round, in alternating order, so drift and noise on
the machine hit them alike. A shared machine's speed can swing severalfold within seconds,
so a scheme's ratio is taken within each round (its block against that round's block
without authentication, a fraction of a second apart) and the median round's ratio counts;
requests per second are each scheme's median block. SQLite always; PostgreSQL too when
DATABASE_URL is set (measured last). Tunable with BENCH_REQUESTS (per block) and
BENCH_ROUNDS.

"one database round trip" is no authentication plus the cheapest query the portal can
send (SELECT 1, the way credential lookups are sent, which as the request's first query is
also its connection health check): the ceiling for any credential check that asks the
database, as revocation on the very next request requires."""

import contextlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.perf.settings"

import django  # noqa: E402

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from tests.perf import http_bench, instructions  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "20"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))
WARM_UP = 200  # requests per scheme before measuring: first use, caches, imports
TARGET = 0.90


def build_schemes() -> dict[str, tuple[str, str]]:
    """Fixtures, and for each scheme the path and Authorization header to send."""
    from knox.models import AuthToken
    from rest_framework.authtoken.models import Token

    from accounts.services import space_create
    from guests.services import guest_access_token_create, guest_create
    from tests.factories import administrator_of, development, make_account
    from tests.perf.urls import NoAuthentication
    from tokens import access_tokens, services
    from tokens.models import ApiKey

    account = make_account(email="bench@example.com")
    user = administrator_of(account)
    NoAuthentication.account_id = account.id
    _, pat = services.personal_access_token_create(user=user, name="bench")
    environment = development(account)
    secret_key = services.api_key_roll(
        environment=environment, actor=user, key_type=ApiKey.Type.SECRET
    ).raw
    publishable = services.api_key_roll(
        environment=environment, actor=user, key_type=ApiKey.Type.PUBLISHABLE
    )
    # A space, with the access token a publishable key that creates it is handed.
    space = space_create(environment=environment, actor=user, name="bench")
    space_token = services.space_access_token_create(space=space, api_key_id=publishable.key.id)
    guest = guest_create(
        environment=environment,
        actor=user,
        email="guest@example.com",
        name="Guest",
        spaces=[{"space": space, "workbooks": None}],
    )
    guest_token, _ = guest_access_token_create(guest=guest, actor=user)
    access_token, _ = access_tokens.issue(
        kind=access_tokens.USER,
        subject=user.id,
        claims={access_tokens.CREDENTIALS_VERSION: user.credentials_version},
    )
    drf_token = Token.objects.create(user=user).key
    _, knox_token = AuthToken.objects.create(user=user)
    return {
        "no authentication": ("/v1/bench/none", ""),
        "one database round trip": ("/v1/bench/round-trip", ""),
        "PAT": ("/v1/bench/bearer", f"Bearer {pat}"),
        "secret key": ("/v1/bench/bearer", f"Bearer {secret_key}"),
        "publishable key": ("/v1/bench/bearer", f"Bearer {publishable.raw}"),
        "access token": ("/v1/bench/bearer", f"Bearer {access_token}"),
        "space access token": ("/v1/bench/bearer", f"Bearer {space_token}"),
        "guest access token": ("/v1/bench/bearer", f"Bearer {guest_token}"),
        "DRF TokenAuthentication": ("/v1/bench/drf-token", f"Token {drf_token}"),
        "django-rest-knox": ("/v1/bench/knox", f"Token {knox_token}"),
    }


def environ_for(path: str, authorization: str) -> dict:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "bench.local",
        "SERVER_PORT": "443",
        "HTTP_HOST": "bench.local",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "REMOTE_ADDR": "127.0.0.1",
    }
    if authorization:
        environ["HTTP_AUTHORIZATION"] = authorization
    return environ


def run(handler, path: str, authorization: str, count: int) -> float:
    """Requests per second for `count` requests; every answer must be a 200."""
    statuses = []

    def start_response(status, headers):
        statuses.append(status)

    started = time.perf_counter()
    for _ in range(count):
        response = handler(environ_for(path, authorization), start_response)
        b"".join(response)
        response.close()
    elapsed = time.perf_counter() - started
    failed = [status for status in statuses if not status.startswith("200")]
    if failed:
        raise SystemExit(
            f"{path} with {authorization.split(' ')[0] or 'no'} credential answered {failed[0]}"
        )
    return count / elapsed


def measure(requests: int = REQUESTS, rounds: int = ROUNDS) -> dict[str, tuple[float, float]]:
    """Per scheme: its median block's requests per second, and its median round's ratio
    to no authentication."""
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        schemes = build_schemes()
        handler = WSGIHandler()
        for path, authorization in schemes.values():
            run(handler, path, authorization, WARM_UP)
        rates = {name: [] for name in schemes}
        order = list(schemes)
        for _ in range(rounds):
            for name in order:
                rates[name].append(run(handler, *schemes[name], requests))
            order.reverse()
        limit = rates["no authentication"]
        return {
            name: (
                statistics.median(block_rates),
                statistics.median(
                    rate / limit_rate for rate, limit_rate in zip(block_rates, limit, strict=True)
                ),
            )
            for name, block_rates in rates.items()
        }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def report(database: str, results: dict[str, tuple[float, float]]) -> None:
    print(f"\n{database}: {ROUNDS} rounds of {REQUESTS} requests per scheme")
    print(f"{'scheme':<26}{'requests/s':>12}{'ratio':>8}")
    for name, (rate, ratio) in results.items():
        print(f"{name:<26}{rate:>12.0f}{ratio:>8.2f}")
    pat = results["PAT"][1]
    met = (
        pat >= TARGET
        and pat >= results["DRF TokenAuthentication"][1]
        and pat >= results["django-rest-knox"][1]
    )
    verdict = "met" if met else "NOT met"
    print(f"target (PAT >= {TARGET:.2f} x no authentication, and >= DRF token and knox): {verdict}")
    print(f"PAT / no authentication: {pat:.2f}")


def in_process_only() -> float:
    """The in-process table for the database DATABASE_URL names (SQLite without it)."""
    vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(
        connection.vendor, connection.vendor
    )
    results = measure()
    report(vendor, results)
    return results["PAT"][1]


def main() -> None:
    """In-process tables (SQLite, then PostgreSQL when DATABASE_URL names it), the HTTP
    tables (tests.perf.http_bench) on the same databases, the instructions table
    (tests.perf.instructions), then the summary lines, the gaps to one round trip last."""
    database_url = os.environ.get("DATABASE_URL", "")
    on_postgresql = database_url.startswith(("postgres://", "postgresql://"))
    if database_url:
        # SQLite first, in a process of its own without DATABASE_URL; PostgreSQL last.
        environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        environment["BENCH_IN_PROCESS_ONLY"] = "1"
        subprocess.run([sys.executable, "-m", "tests.perf.bench"], env=environment, check=True)
    in_process = in_process_only()
    http = {}
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as directory:
        http["SQLite"] = http_bench.run("SQLite", f"sqlite:///{directory}/bench.sqlite3")
    if on_postgresql:
        with postgresql_database(database_url) as bench_url:
            http["PostgreSQL"] = http_bench.run("PostgreSQL", bench_url)
    if shutil.which("valgrind"):
        instructions.report(instructions.measure())
    else:
        print("\nvalgrind not found (`make bench` installs it): no instructions table")
    print()
    print(f"PAT / no authentication: {in_process:.2f}")
    for database, cells in http.items():
        print(f"HTTP PAT / no authentication ({database}): {cells[2]['PAT']['ratio']:.2f}")
    for database, cells in http.items():
        print(gap_line(f", other kinds ({database}, 1 worker)", cells[1], OTHER_KINDS))
    for database, cells in http.items():
        print(gap_line(f" ({database}, 1 worker)", cells[1], GAP_KINDS))


# The issue's gap line names these three; the other credential kinds get a line above it.
GAP_KINDS = ("PAT", "secret key", "access token")
OTHER_KINDS = tuple(kind for kind in http_bench.CREDENTIAL_KINDS if kind not in GAP_KINDS)


def gap_line(label: str, results: dict, kinds: tuple[str, ...]) -> str:
    """`HTTP gap to one round trip<label>: <kind> <gap>, …`, a gap being the round trip's
    ratio minus the kind's: how far the kind is from the ceiling (negative when faster)."""
    ceiling = results["one database round trip"]["ratio"]
    # round() then + 0.0: a gap that rounds to zero prints 0.00, never -0.00.
    gaps = (f"{kind} {round(ceiling - results[kind]['ratio'], 2) + 0.0:.2f}" for kind in kinds)
    return f"HTTP gap to one round trip{label}: " + ", ".join(gaps)


@contextlib.contextmanager
def postgresql_database(database_url: str):
    """A fresh database of the benchmark's own on DATABASE_URL's server, dropped after."""
    import psycopg

    name = "portal_bench"
    parts = urllib.parse.urlsplit(database_url)
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    if os.environ.get("BENCH_IN_PROCESS_ONLY"):
        in_process_only()
    else:
        main()
