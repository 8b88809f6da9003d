"""The official JavaScript SDK (@flatfile/api, pinned in package.json) works against the
portal unchanged: a script points FLATFILE_API_URL and FLATFILE_API_KEY at a live server."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from accounts.models import Space
from tests.factories import (
    DEFAULT_PASSWORD,
    administrator_of,
    development,
    make_account,
    production,
)
from tokens import services
from tokens.models import ApiKey

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


@pytest.fixture(autouse=True)
def _hashers_the_served_portal_knows(settings):
    """Served elsewhere (SDK_API_URL), the portal checks passwords with its own hashers, not
    the tests' fast one."""
    if os.environ.get("SDK_API_URL"):
        from portal import settings as real_settings

        settings.PASSWORD_HASHERS = real_settings.PASSWORD_HASHERS


def run_sdk(script: str, live_server, api_key: str, **scenario) -> dict:
    """Run one of this folder's scripts as a user of the SDK would, configured only by
    FLATFILE_API_URL and FLATFILE_API_KEY (plus the scenario's ids); what it saw."""
    node = node_or_skip()
    result = subprocess.run(
        [node, script],
        cwd=SDK_DIR,
        env={
            "PATH": os.environ["PATH"],
            # Node resolves "localhost" to ::1 first; the live server listens on IPv4.
            # SDK_API_URL: a portal served elsewhere on this test database (CI's production
            # server, gunicorn) instead of pytest's in-process one.
            "FLATFILE_API_URL": (
                os.environ.get("SDK_API_URL") or live_server.url.replace("localhost", "127.0.0.1")
            ),
            "FLATFILE_API_KEY": api_key,
            **{f"SDK_{name.upper()}": value for name, value in scenario.items()},
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.django_db(transaction=True)
def test_the_sdk_speaks_to_the_portal(live_server):
    node_or_skip()
    account = make_account(email="sdk@example.com")
    user = administrator_of(account)
    _, pat = services.personal_access_token_create(user=user, name="SDK script")
    environment = development(account)
    seen = run_sdk(
        "flow.mjs",
        live_server,
        pat,
        environment_id=environment.id,
        email=user.email,
        password=DEFAULT_PASSWORD,
    )

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


@pytest.mark.django_db(transaction=True)
def test_the_sdk_manages_spaces_workbooks_users_and_reads_the_audit_trail(live_server, settings):
    node_or_skip()
    settings.SITE_URL = live_server.url
    account = make_account(email="sdk-resources@example.com")
    user = administrator_of(account)
    _, pat = services.personal_access_token_create(user=user, name="SDK script")
    dev, prod = development(account), production(account)
    keys = {key.type: key.raw_key for key in ApiKey.objects.filter(environment=dev)}
    seen = run_sdk(
        "resources.mjs",
        live_server,
        pat,
        dev_id=dev.id,
        prod_id=prod.id,
        account_id=account.id,
        secret_key=keys[ApiKey.Type.SECRET],
        publishable_key=keys[ApiKey.Type.PUBLISHABLE],
    )

    assert seen["allSpaces"] == ["Go-live", "Onboarding"]
    assert seen["devSpaces"] == ["Onboarding"]
    assert seen["spaceEnvironment"] is True
    assert seen["renamedSpace"] == "Onboarding 2"
    assert seen["workbook"] == {"name": "Contacts", "spaceId": True}
    assert seen["workbooksWithPat"] == ["Contacts"]
    assert seen["workbooksWithSecretKey"] == ["Contacts"]  # the development environment's
    assert seen["workbookById"] == "Contacts"
    assert seen["embeddedHasToken"] is True
    assert seen["publishableKeyListing"] == 403
    assert seen["spaceTokenReads"] == "Embedded"
    assert seen["spaceTokenWorkbooks"] == ["Upload"]
    assert seen["spaceTokenOtherSpace"] == 404
    assert seen["spaceTokenEnvironments"] == 403
    assert seen["users"] == [user.email]
    assert seen["userById"] == user.email
    assert seen["invitedEmail"] == "invited@example.com"
    assert seen["resent"] is True
    assert seen["lastAdministratorRemoval"] == 409
    assert seen["roles"] == ["administrator", "guest"]
    assert {"space:created", "space:updated", "workbook:created"} <= set(seen["eventTopics"])
    assert seen["eventById"] is True
    assert seen["workbookGone"] == 404
    assert seen["spaceGone"] == 404
    assert Space.objects.filter(environment__account=account).count() == 2  # Go-live, Embedded


@pytest.mark.django_db(transaction=True)
def test_the_sdk_runs_the_seeds_guest_snippet_and_the_guest_lifecycle(live_server, settings):
    # Imported here, beside the guests scenario they serve.
    from guests.models import Guest, MagicLink, SpaceGrant
    from tests.factories import SpaceFactory, WorkbookFactory

    node_or_skip()
    settings.SITE_URL = live_server.url
    account = make_account(email="sdk-guests@example.com")
    _, pat = services.personal_access_token_create(user=administrator_of(account), name="SDK")
    dev = development(account)
    space = SpaceFactory(environment=dev, name="Onboarding")
    workbook = WorkbookFactory(space=space, name="Contacts")
    other = SpaceFactory(environment=dev, name="Billing")
    hidden = SpaceFactory(environment=dev, name="Hidden")
    seen = run_sdk(
        "guests.mjs",
        live_server,
        pat,
        environment_id=dev.id,
        space_id=space.id,
        workbook_id=workbook.id,
        other_space_id=other.id,
        hidden_space_id=hidden.id,
    )

    # SDK 1.23.1 types guests.create as a list: the seed's one object is refused by the SDK
    # itself, before any request (nothing was made), and sent as it is the portal takes it.
    assert seen["seedSnippet"] == {"sent": False, "error": "Expected list. Received object."}
    assert seen["guestsBeforeRawSnippet"] == 0
    single_workbook = [{"id": space.id, "workbooks": [{"id": workbook.id}]}]
    assert seen["seedSnippetRaw"] == {
        "status": 201,
        "email": "guest@example.com",
        "spaces": single_workbook,
    }
    assert seen["seedSnippetAsList"] == {
        "sameGuest": True,
        "spaces": single_workbook,
        "createdAtIsDate": True,
    }
    assert seen["created"] == {"idPrefix": "us_g_", "spaces": [space.id, other.id]}
    assert seen["listedBySpace"] == ["lifecycle@example.com"]
    assert seen["listedByEmail"] == [True]
    assert seen["renamed"] == seen["fetched"] == "Lifecycle 2"
    assert seen["token"] == {"parts": 3, "valid": True}
    assert seen["guestSpace"] is True
    assert seen["guestSpaces"] == sorted([space.id, other.id])
    assert seen["guestWorkbooks"] == 1
    assert seen["guestHiddenSpace"] == 404
    for refused in ("guestEnvironments", "guestSecrets", "guestKeys", "guestUsers", "guestEvents"):
        assert seen[refused] == 403, refused
    assert seen["invited"] is True
    assert seen["afterRemoval"] == [other.id]
    assert seen["guestRemovedSpace"] == 404
    assert seen["guestSpacesAfterRemoval"] == [other.id]
    assert seen["deleted"] is True
    assert seen["getDeleted"] == 404
    assert seen["listedAfterDelete"] == ["guest@example.com"]
    assert seen["tokenAfterDelete"] == 401
    assert seen["recreated"] == {"newId": True, "spaces": []}
    # Every connection of the deleted guest went with them, their invitation link too.
    recreated = Guest.objects.get(environment=dev, email="lifecycle@example.com")
    assert not SpaceGrant.objects.filter(guest=recreated).exists()
    assert not MagicLink.objects.filter(guest__email="lifecycle@example.com").exists()
