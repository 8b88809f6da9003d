"""No link token reaches a server's output, whatever a client sends to a link's URL.

The portal is served as people serve it, `make serve` (runserver, DEBUG on) and `make
serve-prod` (gunicorn, DEBUG off), and everything each process writes (stdout and stderr,
every logger and handler, Django's own included) is read after each token URL was hit with
the methods a page never sends. A test client with caplog would miss a handler that writes
straight to the terminal, which is how tokens got out before.
"""

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from guests import links
from tests.production.servers import free_port, stop, wait_until_answering

PROJECT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"

# It serves a SQLite file of its own, whatever the suite's database: once, in the SQLite run.
pytestmark = pytest.mark.sqlite


def token_urls() -> dict[str, str]:
    """A well-formed token for every kind of link, under its page; each value is new."""
    return {
        links.generate(links.MAGIC_LINK): "/guest/magic/{}/",
        links.generate(links.SHARED_LINK): "/guest/shared/{}/",
        links.generate(links.MAGIC_LINK): "/guest/shared/confirm/{}/",
        # A token cut short no longer looks like one: its place in the path still says so.
        links.generate(links.MAGIC_LINK)[:12]: "/guest/shared/confirm/{}/",
        "inv_" + secrets.token_urlsafe(32): "/invitations/{}/",
        # Django's reset links carry the user's id and a token of its own making.
        f"{secrets.token_hex(3)}-{secrets.token_hex(16)}": "/password-reset/MQ/{}/",
    }


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    """A migrated SQLite file and the variables both servers share."""
    folder = tmp_path_factory.mktemp("served")
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(48),
        "FERNET_KEYS": "ZmRlc2NyaXB0aW9uLWtleS1mb3ItdGVzdHMtb25seSE=",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(folder / "static"),
    }
    for command in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=PROJECT,
            env={**environment, "DEBUG": "false"},
            check=True,
            timeout=120,
        )
    return environment, folder


def serve(command, environment, port, log_path):
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(process, f"{url}/healthz", log_path)
    except AssertionError:
        stop(process)
        raise
    return process, url


def hit_every_token_url(url: str) -> list[str]:
    """HEAD, OPTIONS, PUT, DELETE, a POST without a CSRF token, a malformed POST and a GET
    on each link; the tokens sent."""
    sent = []
    for token, page in token_urls().items():
        address = url + page.format(token)
        for method in ("HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"):
            requests.request(method, address, timeout=10, allow_redirects=False)
        requests.post(address, data={"email": "x"}, timeout=10, allow_redirects=False)
        requests.post(
            address,
            data=b"\x00\xff not a form",
            headers={"Content-Type": "multipart/form-data; boundary="},
            timeout=10,
            allow_redirects=False,
        )
        requests.get(address, timeout=10, allow_redirects=False)
        sent.append(token)
    return sent


def assert_no_token_in(log: str, tokens: list[str]) -> None:
    assert "[redacted]" in log, log  # the requests were logged, with their tokens replaced
    for token in tokens:
        assert token not in log, f"{token} was written:\n{log}"


def test_make_serve_writes_no_token(environment, tmp_path):
    variables, _ = environment
    port = free_port()
    process, url = serve(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        {**variables, "DEBUG": "true"},
        port,
        tmp_path / "serve.log",
    )
    try:
        tokens = hit_every_token_url(url)
    finally:
        stop(process)
    log = (tmp_path / "serve.log").read_text()
    assert "Method Not Allowed" in log  # Django's own logger was heard from
    assert_no_token_in(log, tokens)


def test_gunicorn_writes_no_token(environment, tmp_path):
    variables, _ = environment
    port = free_port()
    process, url = serve(
        [str(GUNICORN), "--config", "gunicorn.conf.py"],
        {**variables, "DEBUG": "false", "HOST": "127.0.0.1", "PORT": str(port)},
        port,
        tmp_path / "serve-prod.log",
    )
    try:
        tokens = hit_every_token_url(url)
    finally:
        stop(process)
    log = (tmp_path / "serve-prod.log").read_text()
    assert "Method Not Allowed" in log
    assert_no_token_in(log, tokens)


def test_gunicorns_own_error_log_is_redacted(capfd):
    """gunicorn names the path of a request whose handling failed outside Django."""
    from gunicorn.config import Config

    logger_class = runpy.run_path(str(PROJECT / "gunicorn.conf.py"))["logger_class"]
    logger = logger_class(Config())
    token = links.generate(links.MAGIC_LINK)
    try:
        raise ConnectionResetError("the client went away")
    except ConnectionResetError:
        logger.exception("Error handling request %s", f"/guest/magic/{token}/")
    written = capfd.readouterr().err
    assert "Error handling request /guest/magic/[redacted]/" in written
    assert "ConnectionResetError" in written  # the traceback is kept, only tokens go
    assert token not in written
