"""What a request costs the shared services, measured for the README's "Scaling on paper":
`make scaling` (PostgreSQL and Redis required: DATABASE_URL=postgres://…).

For a few requests that make up the portal's traffic it prints, per request:
- the SQL queries and the writes among them, and the Redis commands, counted in-process
  by Django's test client on the production settings;
- over real HTTP (gunicorn, 2 one-thread workers, the portal's gunicorn.conf.py, wrk over
  keep-alive connections on loopback, SCALING_SECONDS per request kind): requests per
  second, and the CPU time each request costs the gunicorn workers, PostgreSQL's processes
  and Redis, read from /proc before and after (so the machine should be otherwise idle).

It works in a database of its own (`portal_scaling`, created and dropped; kept with
SCALING_KEEP_DATABASE=1, to EXPLAIN queries in it) and Redis database 13 (flushed before
and after).

With SCALING_SIZE=large it measures the portal at size instead (tests.perf.at_size): a
million audit events and the rest, small account against large one."""

import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

from tests.perf import at_size
from tests.perf.http_bench import PROJECT, Server, prepare, workers_of, wrk

SECONDS = int(os.environ.get("SCALING_SECONDS", "5"))
DATABASE = "portal_scaling"
REDIS_DB = 13
AT_SIZE = os.environ.get("SCALING_SIZE", "") == "large"
KEEP_DATABASE = os.environ.get("SCALING_KEEP_DATABASE", "") == "1"
TICKS = os.sysconf("SC_CLK_TCK")


def production_environment(database_url: str, static_root: str) -> dict:
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(48),
        "FERNET_KEYS": _fernet_key(),
        "DATABASE_URL": database_url,
        "CACHE_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://portal.example.com",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": static_root,
        "HOST": "127.0.0.1",
    }


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


# In a process of its own, on the production settings ---------------------------------------


def _prepare_here() -> None:
    """Fixtures; then each request kind counted through the test client. Prints JSON: per
    kind its method, path, headers (for wrk), queries, writes and Redis commands."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts import services as account_services
    from guests import services as guest_services
    from tests.factories import administrator_of, development, make_account
    from tokens import access_tokens
    from tokens import services as token_services
    from tokens.models import ApiKey

    call_command("migrate", verbosity=0, interactive=False)
    account = make_account(email="scaling@example.com")
    user = administrator_of(account)
    environment = development(account)
    for index in range(20):
        space = account_services.space_create(
            environment=environment, actor=user, name=f"Space {index}"
        )
        for workbook in range(3):
            account_services.workbook_create(space=space, actor=user, name=f"Workbook {workbook}")
    space = environment.spaces.order_by("created_at").first()
    for index in range(20):
        guest_services.guest_create(
            environment=environment,
            actor=user,
            email=f"guest{index}@example.com",
            name=f"Guest {index}",
            spaces=[{"space": space, "workbooks": None}],
        )
    _, pat = token_services.personal_access_token_create(user=user, name="scaling")
    secret_key = token_services.api_key_roll(
        environment=environment, actor=user, key_type=ApiKey.Type.SECRET
    ).raw
    access_token, _ = access_tokens.issue(
        kind=access_tokens.USER,
        subject=user.id,
        claims={access_tokens.CREDENTIALS_VERSION: user.credentials_version},
    )
    kinds = {
        "GET /v1/spaces, PAT": ("GET", f"/v1/spaces?environmentId={environment.id}", pat),
        "GET /v1/spaces, secret key": (
            "GET",
            f"/v1/spaces?environmentId={environment.id}",
            secret_key,
        ),
        "GET /v1/guests, access token": ("GET", f"/v1/guests?spaceId={space.id}", access_token),
        "GET /v1/environments, PAT": ("GET", "/v1/environments", pat),
    }
    cache = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    client = Client(HTTP_HOST="127.0.0.1")
    measured = {}
    for name, (method, path, credential) in kinds.items():
        headers = {"Authorization": f"Bearer {credential}"}
        client.generic(method, path, headers=headers)  # first use: lastUsedAt, statements
        redis_before = _redis_calls(cache)
        with CaptureQueriesContext(connection) as queries:
            response = client.generic(method, path, headers=headers)
        assert response.status_code == 200, (name, response.status_code)
        measured[name] = {
            "method": method,
            "path": path,
            "authorization": headers["Authorization"],
            "queries": len(queries),
            "writes": sum(_is_write(query["sql"]) for query in queries),
            "redis": _redis_calls(cache) - redis_before,
        }
    print(json.dumps(measured))


def _is_write(sql: str) -> bool:
    return sql.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}


def _redis_calls(cache: redis.Redis) -> int:
    # INFO itself is counted, once per reading.
    stats = cache.info("commandstats")
    return sum(stat["calls"] for stat in stats.values()) - stats.get("cmdstat_info", {}).get(
        "calls", 0
    )


# The driver --------------------------------------------------------------------------------


def cpu_seconds(pids) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def pids_named(name: str) -> list[int]:
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == name:
                found.append(int(comm.parent.name))
        except OSError:
            continue
    return found


def database_urls(url: str) -> tuple[str, str]:
    """The administrative URL (to create and drop the database) and the scaling one's."""
    parts = urlsplit(url)
    return url, urlunsplit(parts._replace(path=f"/{DATABASE}"))


def main() -> None:
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("make scaling needs DATABASE_URL=postgres://… (and Redis on 6379)")
    admin_url, scaling_url = database_urls(admin_url)
    cache = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    cache.flushdb()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    try:
        with tempfile.TemporaryDirectory() as static_root:
            environment = production_environment(scaling_url, static_root)
            module = "tests.perf.at_size" if AT_SIZE else "tests.perf.scaling"
            measured = prepare(environment, module=module)
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                cwd=PROJECT,
                env=environment,
                check=True,
                timeout=120,
            )
            (at_size.measure if AT_SIZE else _over_http)(environment, measured)
    finally:
        cache.flushdb()
        if not KEEP_DATABASE:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    (at_size.report if AT_SIZE else _report)(measured)


def _over_http(environment: dict, measured: dict) -> None:
    server = Server(environment, workers=2)
    try:
        server.wait_until_ready("/healthz")
        workers = workers_of(server.process.pid)
        redis_server = pids_named("redis-server")
        for kind in measured.values():  # warm up: connections, prepared statements
            wrk(server.url + kind["path"], kind["authorization"], 1)
        for kind in measured.values():
            postgres = pids_named("postgres")
            before = [cpu_seconds(pids) for pids in (workers, postgres, redis_server)]
            result = wrk(server.url + kind["path"], kind["authorization"], SECONDS)
            after = [cpu_seconds(pids) for pids in (workers, postgres, redis_server)]
            requests = result["rate"] * SECONDS
            app, database, cache = (
                (end - start) / requests * 1000 for start, end in zip(before, after, strict=True)
            )
            kind.update(rate=result["rate"], p99=result["p99"], app=app, db=database, cache=cache)
    finally:
        server.stop()


def _report(measured: dict) -> None:
    print(f"\nPer request: in-process counts; over HTTP, gunicorn 2 workers, wrk, {SECONDS} s each")
    header = f"{'request':<32}{'queries':>8}{'writes':>7}{'Redis':>6}{'req/s':>8}{'p99 ms':>8}"
    print(header + f"{'app CPU ms':>11}{'PG CPU ms':>10}{'Redis CPU ms':>13}")
    for name, kind in measured.items():
        print(
            f"{name:<32}{kind['queries']:>8}{kind['writes']:>7}{kind['redis']:>6}"
            f"{kind['rate']:>8.0f}{kind['p99']:>8.2f}{kind['app']:>11.3f}{kind['db']:>10.3f}"
            f"{kind['cache']:>13.3f}"
        )


if __name__ == "__main__":
    if sys.argv[1:] == ["prepare"]:
        _prepare_here()
    else:
        main()
