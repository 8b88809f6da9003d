"""The embedded default under concurrent writers: the portal served as `make serve` serves it
(runserver, threaded, on a SQLite file after migrate), written to from 8 threads at once
through the API (secrets, personal access tokens created and deleted) and the pages (the
secret form, the Personal Access Tokens form) by a signed-in administrator. Nothing answers
a 5xx, and every write that answered 2xx (or a page's redirect) is in the database.

Before SQLite was configured for it (write-ahead logging, immediate transactions, a busy
timeout) over a third of these answered 500 "database is locked" and their rows were never
written: a transaction that begins by reading and then writes cannot wait for the lock,
however long the timeout."""

import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from tests.production.servers import free_port, stop, wait_until_answering

PROJECT = Path(__file__).resolve().parents[2]
THREADS = 8
ROUNDS = 4  # each thread's rounds of 7 writes
PASSWORD = "correct horse battery staple 42"
EMAIL = "admin@concurrent.example.com"

pytestmark = pytest.mark.sqlite

# Run in the served portal's own database by `manage.py shell`: an account with its
# administrator (as `manage.py demo_account` makes one) and a personal access token.
SETUP = f"""
import json
from accounts import services
from accounts.models import User
from tokens.services import personal_access_token_create
account = services.account_create(name="Concurrent", email={EMAIL!r}, password={PASSWORD!r})
user = User.objects.get(email={EMAIL!r})
_, pat = personal_access_token_create(user=user, name="writer")
environment = account.environments.get(name="development")
print(json.dumps({{"pat": pat, "environment": environment.id}}))
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`make serve` on a SQLite file of its own: migrate, an administrator, runserver. Its
    base URL, the database file, and what SETUP printed. runserver runs without its
    autoreloader, so the process started is the server and is stopped by its id."""
    directory = tmp_path_factory.mktemp("served")
    database = directory / "db.sqlite3"
    port = free_port()
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(48),
        "FERNET_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{database}",
        "CACHE_URL": "locmemcache://served",
        "EMAIL_URL": "consolemail://",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PORT": str(port),
    }

    def manage(*arguments):
        return subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=PROJECT,
            env=environment,
            check=True,
            timeout=120,
            capture_output=True,
            text=True,
        )

    manage("migrate", "--noinput")
    made = json.loads(manage("shell", "-c", SETUP).stdout.strip().splitlines()[-1])
    log = open(directory / "server.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=PROJECT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(process, f"{base}/login/", directory / "server.log")
        yield {"base": base, "database": database, "log": directory / "server.log", **made}
    finally:
        stop(process)


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NONCE = re.compile(r'name="nonce" value="([^"]+)"')


class Administrator:
    """A signed-in administrator's browser: the CSRF token from the page, and the Origin and
    Referer a browser sends with a form."""

    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()
        self.session.headers["Origin"] = base
        page = self.session.get(f"{base}/login/", timeout=30)
        signed_in = self.post("/login/", page, {"username": EMAIL, "password": PASSWORD})
        assert signed_in.status_code == 302, signed_in.status_code

    def get(self, path):
        return self.session.get(f"{self.base}{path}", timeout=60)

    def post(self, path, page, data):
        data = {"csrfmiddlewaretoken": CSRF.search(page.text).group(1), **data}
        return self.session.post(
            f"{self.base}{path}",
            data=data,
            headers={"Referer": page.url},
            allow_redirects=False,
            timeout=60,
        )


def writes(served, index: int, administrator: Administrator, record) -> None:
    """One thread's share: ROUNDS of 7 writes, and the pages the forms are read from."""
    base, environment = served["base"], served["environment"]
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {served['pat']}"
    for round_ in range(ROUNDS):
        for number in range(2):
            name = f"API_{index}_{round_}_{number}"
            response = api.post(
                f"{base}/v1/secrets",
                json={"environmentId": environment, "name": name, "value": "v"},
                timeout=60,
            )
            record("api secret", response, secret=name)
        created = api.post(
            f"{base}/v1/auth/personal-access-tokens",
            json={"name": f"kept {index} {round_}"},
            timeout=60,
        )
        record("api token create", created, token=f"kept {index} {round_}")
        created = api.post(
            f"{base}/v1/auth/personal-access-tokens",
            json={"name": f"gone {index} {round_}"},
            timeout=60,
        )
        record("api token create", created)
        if created.status_code == 201:
            token_id = created.json()["data"]["personalAccessToken"]["id"]
            deleted = api.delete(f"{base}/v1/auth/personal-access-tokens/{token_id}", timeout=60)
            record("api token delete", deleted, deleted_token=token_id)

        page = administrator.get(f"/environments/{environment}/api-keys/")
        name = f"PAGE_{index}_{round_}"
        saved = administrator.post(
            f"/environments/{environment}/secrets/",
            page,
            {"name": name, "value": "v", "scope": ""},
        )
        record("page secret", saved, secret=name)
        page = administrator.get("/personal-access-tokens/")
        name = f"page {index} {round_}"
        made = administrator.post(
            "/personal-access-tokens/",
            page,
            {"name": name, "expires_in_days": "30", "nonce": NONCE.search(page.text).group(1)},
        )
        record("page token create", made, token=name)


def test_concurrent_writers_through_the_api_and_the_pages_lose_nothing(served):
    administrators = [Administrator(served["base"]) for _ in range(THREADS)]
    lock = threading.Lock()
    statuses: Counter = Counter()
    failures: list[str] = []
    written = {"secret": set(), "token": set(), "deleted_token": set()}

    def record(what, response, **row):
        with lock:
            statuses[(what, response.status_code)] += 1
            if response.status_code >= 500 or response.status_code in (400, 404, 409):
                failures.append(f"{what}: {response.status_code} {response.text[:200]}")
            elif response.status_code < 400:
                for kind, value in row.items():
                    written[kind].add(value)

    barrier = threading.Barrier(THREADS)

    def run(index):
        barrier.wait()
        try:
            writes(served, index, administrators[index], record)
        except Exception as error:  # noqa: BLE001 (reported below, with the thread)
            with lock:
                failures.append(f"thread {index}: {error!r}")

    threads = [threading.Thread(target=run, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    total = sum(statuses.values())
    server_errors = sum(count for (_, status), count in statuses.items() if status >= 500)
    summary = f"{server_errors} of {total} answered 5xx; {sorted(statuses.items())}"
    print(summary)  # shown with -rP: the numbers the module's docstring speaks of
    server_log = served["log"].read_text(errors="replace")[-3000:]
    assert not failures, f"{summary}\n" + "\n".join(failures[:20]) + f"\n{server_log}"
    assert total == THREADS * ROUNDS * 7
    with closing(sqlite3.connect(served["database"])) as database:
        secret_names = {row[0] for row in database.execute("SELECT name FROM tokens_secret")}
        tokens = dict(database.execute("SELECT id, name FROM tokens_personalaccesstoken"))
    assert len(written["secret"]) == THREADS * ROUNDS * 3
    assert written["secret"] <= secret_names
    assert len(written["token"]) == THREADS * ROUNDS * 2
    assert written["token"] <= set(tokens.values())
    assert len(written["deleted_token"]) == THREADS * ROUNDS
    assert not written["deleted_token"] & tokens.keys()
