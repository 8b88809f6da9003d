"""Two production servers (gunicorn, DEBUG off) on two loopback ports, one PostgreSQL database
and one Redis: they behave as one system. What one revokes, spends or counts, the other
sees on its very next request; nothing that decides who may get in is kept per process."""

import os
import re
import secrets
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
import requests
from django.conf import settings

from accounts import services as account_services
from tests.factories import administrator_of, development, make_account
from tests.production.servers import free_port, stop, wait_until_answering
from tokens import services as token_services
from tokens.models import ApiKey, PersonalAccessToken

PROJECT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
REDIS_DB = 12  # this module's own Redis database, flushed before and after
PASSWORD = "correct horse battery staple 42"

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    """The test database pytest-django created, as a URL for the servers."""
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{credentials}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker, tmp_path_factory):
    """Two gunicorn servers on the test database; their base URLs. Stopped at the module's
    end, before pytest-django drops the database they hold connections to."""
    cache = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_connect_timeout=2)
    try:
        cache.flushdb()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI: {error}")
        pytest.skip("no Redis server on 127.0.0.1:6379")
    static_root = tmp_path_factory.mktemp("static")
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(48),
        # The keys the tests encrypt with (their services create the keys the servers read).
        "FERNET_KEYS": ",".join(settings.FERNET_KEYS),
        "DATABASE_URL": database_url(),
        "CACHE_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://portal.example.com",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(static_root),
        "WEB_CONCURRENCY": "1",
        "HOST": "127.0.0.1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=PROJECT,
        env=environment,
        check=True,
        timeout=120,
    )
    processes, urls = [], []
    logs = tmp_path_factory.mktemp("logs")
    try:
        for index in range(2):
            port = free_port()
            log = open(logs / f"server-{index}.log", "wb")  # noqa: SIM115 (closed below)
            processes.append(
                subprocess.Popen(
                    [str(GUNICORN), "--config", "gunicorn.conf.py"],
                    cwd=PROJECT,
                    env={**environment, "PORT": str(port)},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            log.close()
            urls.append(f"http://127.0.0.1:{port}")
        for process, url in zip(processes, urls, strict=True):
            wait_until_answering(process, f"{url}/readyz")
        yield urls
    finally:
        for process in processes:
            stop(process)
        cache.flushdb()


@pytest.fixture(autouse=True)
def _real_password_hashing(settings):
    # The servers check passwords with the portal's own hashers, not the tests' fast one.
    from portal import settings as real_settings

    settings.PASSWORD_HASHERS = real_settings.PASSWORD_HASHERS


class Browser:
    """A person's browser against one or the other server. The cookies are Secure (DEBUG
    off), which `requests` would keep off plain http; they are sent back by hand, as a
    TLS-terminating balancer would carry them."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, method, url, **kwargs):
        headers = kwargs.pop("headers", {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = requests.request(
            method, url, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def form(self, url, pattern=r'name="csrfmiddlewaretoken" value="([^"]+)"'):
        """GET a page; its CSRF token."""
        response = self.request("GET", url)
        assert response.status_code == 200, response.status_code
        return re.search(pattern, response.text).group(1), response.text

    def sign_in(self, base, email, password=PASSWORD):
        csrf, _ = self.form(f"{base}/login/")
        response = self.request(
            "POST",
            f"{base}/login/",
            data={"csrfmiddlewaretoken": csrf, "username": email, "password": password},
        )
        assert response.status_code == 302, response.status_code


def api(base, credential, path="/v1/environments"):
    return requests.get(
        f"{base}{path}", headers={"Authorization": f"Bearer {credential}"}, timeout=30
    )


def at_once(*calls):
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_a_revoked_pat_is_refused_by_the_other_server(servers):
    one, other = servers
    user = administrator_of(make_account())
    token, raw = token_services.personal_access_token_create(user=user, name="script")
    _, admin_raw = token_services.personal_access_token_create(user=user, name="admin")
    assert api(other, raw).status_code == 200  # known to the other server, and kept connected

    response = requests.delete(
        f"{one}/v1/auth/personal-access-tokens/{token.id}",
        headers={"Authorization": f"Bearer {admin_raw}"},
        timeout=30,
    )
    assert response.status_code == 200
    assert api(other, raw).status_code == 401
    assert api(other, admin_raw).status_code == 200


def test_a_deleted_secret_key_is_refused_by_the_other_server(servers):
    one, other = servers
    account = make_account()
    user = administrator_of(account)
    _, admin_raw = token_services.personal_access_token_create(user=user, name="admin")
    environment = development(account)
    key = ApiKey.objects.get(environment=environment, type=ApiKey.Type.SECRET)
    assert api(other, key.raw_key, "/v1/spaces").status_code == 200

    response = requests.delete(
        f"{one}/v1/auth/api-key",
        params={"environmentId": environment.id, "key": key.id},
        headers={"Authorization": f"Bearer {admin_raw}"},
        timeout=30,
    )
    assert response.status_code == 200
    assert api(other, key.raw_key, "/v1/spaces").status_code == 401


def test_a_removed_user_and_their_credentials_are_refused_by_the_other_server(servers):
    """Removing is how the product deactivates an administrator (no service turns
    `is_active` off): their access token, PAT and signed-in session all end at once."""
    one, other = servers
    account = make_account()
    admin = administrator_of(account)
    _, link = account_services.administrator_invite(
        account=account, actor=admin, email="leaving@example.com"
    )
    leaving = account_services.invitation_accept(
        token=link.rstrip("/").rsplit("/", 1)[-1], password=PASSWORD
    )
    _, admin_raw = token_services.personal_access_token_create(user=admin, name="admin")
    _, leaving_pat = token_services.personal_access_token_create(user=leaving, name="theirs")
    signed_in = requests.post(
        f"{other}/v1/auth", json={"email": leaving.email, "password": PASSWORD}, timeout=30
    )
    assert signed_in.status_code == 200, signed_in.text
    access_token = signed_in.json()["accessToken"]
    assert api(other, access_token).status_code == 200
    assert api(other, leaving_pat).status_code == 200
    browser = Browser()
    browser.sign_in(other, leaving.email)
    assert browser.request("GET", f"{other}/profile/").status_code == 200

    response = requests.delete(
        f"{one}/v1/users/{leaving.id}",
        headers={"Authorization": f"Bearer {admin_raw}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert api(other, access_token).status_code == 401
    assert api(other, leaving_pat).status_code == 401
    signed_out = browser.request("GET", f"{other}/profile/")
    assert signed_out.status_code == 302 and "/login/" in signed_out.headers["Location"]


def test_failed_sign_ins_count_once_over_both_servers(servers):
    """The tenth failure for one (email, address) locks it out: counted over both servers,
    neither of which saw more than five."""
    user = administrator_of(make_account(email="counted@example.com", password=PASSWORD))
    statuses = []
    for attempt in range(10):
        base = servers[attempt % 2]
        response = requests.post(
            f"{base}/v1/auth", json={"email": user.email, "password": "wrong guess"}, timeout=30
        )
        statuses.append(response.status_code)
    assert statuses == [401] * 9 + [429]
    for base in servers:  # locked on both, even with the right password
        response = requests.post(
            f"{base}/v1/auth", json={"email": user.email, "password": PASSWORD}, timeout=30
        )
        assert response.status_code == 429
        assert "Retry-After" in response.headers


def test_an_invitation_is_spent_once_over_both_servers(servers):
    account = make_account()
    inviter = administrator_of(account)
    _, link = account_services.administrator_invite(
        account=account, actor=inviter, email="newcomer@example.com"
    )
    token = link.rstrip("/").rsplit("/", 1)[-1]
    browsers = [Browser(), Browser()]
    csrf = []
    for browser, base in zip(browsers, servers, strict=True):
        opened = browser.request("GET", f"{base}/invitations/{token}/")
        assert opened.status_code == 302
        token_for_form, _ = browser.form(f"{base}/invitations/accept/")
        csrf.append(token_for_form)

    def accept(index):
        return lambda: browsers[index].request(
            "POST",
            f"{servers[index]}/invitations/accept/",
            data={
                "csrfmiddlewaretoken": csrf[index],
                "name": f"Newcomer {index}",
                "password": PASSWORD,
                "password_again": PASSWORD,
            },
        )

    results = at_once(accept(0), accept(1))
    statuses = sorted(response.status_code for response in results)
    assert statuses[0] == 302 and statuses[1] != 302, statuses
    assert account.memberships.filter(user__email="newcomer@example.com").count() == 1


def test_a_form_nonce_is_spent_once_over_both_servers(servers):
    one, other = servers
    user = administrator_of(make_account(email="nonce@example.com", password=PASSWORD))
    browser = Browser()
    browser.sign_in(one, user.email)

    def rendered():
        page = browser.request("GET", f"{one}/personal-access-tokens/")
        assert page.status_code == 200
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return csrf, re.search(r'name="nonce" value="([^"]+)"', page.text).group(1)

    def create(base, csrf, nonce, name="once"):
        return lambda: browser.request(
            "POST",
            f"{base}/personal-access-tokens/",
            data={"csrfmiddlewaretoken": csrf, "nonce": nonce, "name": name, "expires_in_days": ""},
        )

    # A form rendered by one server is good on the other (the balancer may send it there)...
    assert create(other, *rendered(), name="elsewhere")().status_code == 200
    assert PersonalAccessToken.objects.filter(user=user, name="elsewhere").count() == 1
    # ...once: sent to both at once, exactly one creates a token.
    csrf, nonce = rendered()
    results = at_once(create(one, csrf, nonce), create(other, csrf, nonce))
    assert sorted(response.status_code for response in results) == [200, 302]
    assert PersonalAccessToken.objects.filter(user=user, name="once").count() == 1
