"""The official JavaScript SDK (@flatfile/api, pinned in package.json) works against the
portal unchanged: a script points FLATFILE_API_URL and FLATFILE_API_KEY at a live server."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.factories import DEFAULT_PASSWORD, administrator_of, development, make_account
from tokens import services

SDK_DIR = Path(__file__).resolve().parent


def node_or_skip() -> str:
    node = shutil.which("node")
    ready = node and (SDK_DIR / "node_modules" / "@flatfile" / "api").is_dir()
    if not ready:
        reason = (
            "Node.js and `npm ci --prefix tests/sdk` (make test runs it) are needed for SDK tests"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return node


@pytest.mark.django_db(transaction=True)
def test_the_sdk_speaks_to_the_portal(live_server):
    node = node_or_skip()
    account = make_account(email="sdk@example.com")
    user = administrator_of(account)
    _, pat = services.personal_access_token_create(user=user, name="SDK script")
    environment = development(account)

    result = subprocess.run(
        [node, "flow.mjs"],
        cwd=SDK_DIR,
        env={
            "PATH": os.environ["PATH"],
            # Node resolves "localhost" to ::1 first; the live server listens on IPv4.
            "FLATFILE_API_URL": live_server.url.replace("localhost", "127.0.0.1"),
            "FLATFILE_API_KEY": pat,
            "SDK_ENVIRONMENT_ID": environment.id,
            "SDK_EMAIL": user.email,
            "SDK_PASSWORD": DEFAULT_PASSWORD,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)

    assert seen["account"]["id"] == account.id
    assert seen["environments"] == ["development", "production"]
    assert seen["tokensBefore"] == ["SDK script"]
    assert seen["createdToken"] == {
        "prefix": "pat",
        "name": "made by the SDK",
        "createdAtIsDate": True,
    }
    assert seen["keyTypes"] == ["PUBLISHABLE", "SECRET"]
    assert seen["secretRawKeyPrefix"] == "sk_"
    assert seen["publishable"] == "PUBLISHABLE"
    assert seen["upserted"] == [["EXTERNAL_API_KEY", "v2"]]
    assert seen["secrets"] == [["EXTERNAL_API_KEY", "v2"]]
    assert seen["secretsAfterDelete"] == 0
    assert seen["accessToken"] == {"parts": 3, "expiresIn": "86400"}
    assert seen["accountViaAccessToken"] == account.id
    assert seen["wrongPassword"] == 401
    assert seen["deletedTokenRefused"] == 401
