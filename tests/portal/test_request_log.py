"""One log line per request: its fields, and never a credential."""

import json
import logging
import re

import pytest

from portal.request_log import JsonFormatter

LOGGER = "portal.request"


def request_line(caplog, client, url, **headers):
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        response = client.get(url, headers=headers)
    records = [record for record in caplog.records if record.name == LOGGER]
    assert len(records) == 1
    return response, records[0]


@pytest.mark.django_db
def test_one_line_per_request_with_its_fields(caplog, client):
    response, record = request_line(caplog, client, "/login/?next=/spaces/")
    fields = record.request_fields
    assert fields["method"] == "GET"
    assert fields["path"] == "/login/?next=%2Fspaces%2F"
    assert fields["status"] == 200
    assert isinstance(fields["duration_ms"], float) and fields["duration_ms"] >= 0
    assert re.fullmatch(r"[0-9a-f]{32}", fields["request_id"])
    assert response["X-Request-ID"] == fields["request_id"]
    assert record.getMessage() == (
        f"GET /login/?next=%2Fspaces%2F 200 {fields['duration_ms']}ms "
        f"request_id={fields['request_id']}"
    )


@pytest.mark.django_db
def test_a_request_id_is_taken_from_a_trusted_proxy_only(caplog, client, settings):
    _, record = request_line(caplog, client, "/login/", x_request_id="lb-1234")
    assert record.request_fields["request_id"] != "lb-1234"  # the client's own claim

    settings.TRUSTED_PROXY_COUNT = 1
    response, record = request_line(caplog, client, "/login/", x_request_id="lb-1234")
    assert record.request_fields["request_id"] == "lb-1234"
    assert response["X-Request-ID"] == "lb-1234"

    _, record = request_line(caplog, client, "/login/", x_request_id="bad id\nforged line")
    assert re.fullmatch(r"[0-9a-f]{32}", record.request_fields["request_id"])


TOKEN = "inv_" + "A1b2C3d4E5f6G7h8J9k0L1m2N3p4Q5r6S7t8"


@pytest.mark.parametrize(
    ("url", "logged"),
    [
        (f"/invitations/{TOKEN}/", "/invitations/[redacted]/"),
        ("/invitations/not-even-prefixed/", "/invitations/[redacted]/"),
        ("/invitations/accept/", "/invitations/accept/"),
        ("/password-reset/MQ/c9x1kq-0123456789abcdef0123456789abcdef/", None),
        ("/password-reset/sent/", "/password-reset/sent/"),
        ("/guest/magic/ml_0123456789abcdefABCDEF0123/", "/guest/magic/[redacted]/"),
        ("/guest/magic/short/", "/guest/magic/[redacted]/"),
        ("/guest/shared/sl_0123456789abcdefABCDEF0123/", "/guest/shared/[redacted]/"),
        ("/guest/shared/confirm/ml_0123456/", "/guest/shared/[redacted]/"),
    ],
)
@pytest.mark.django_db
def test_token_bearing_paths_are_redacted(caplog, client, url, logged):
    _, record = request_line(caplog, client, url)
    path = record.request_fields["path"]
    assert path == (logged or "/password-reset/[redacted]/[redacted]/")
    assert path in record.getMessage()
    kept = logged.strip("/").split("/") if logged else ["password-reset"]
    for segment in url.strip("/").split("/"):
        if segment not in kept:
            assert segment not in record.getMessage()


@pytest.mark.django_db
def test_credentials_in_the_query_string_are_redacted(caplog, client):
    pat = "pat_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"
    url = f"/login/?token={pat}&pageSize=10&code=123456&x=eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"
    _, record = request_line(caplog, client, url)
    path = record.request_fields["path"]
    assert path == "/login/?token=[redacted]&pageSize=10&code=[redacted]&x=[redacted]"
    assert pat not in record.getMessage()


@pytest.mark.django_db
def test_a_pat_anywhere_in_the_query_string_is_redacted(caplog, client):
    pat = "pat_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"
    _, record = request_line(caplog, client, f"/login/?next=/x/{pat}/")
    assert pat not in record.getMessage()
    assert "[redacted]" in record.request_fields["path"]


@pytest.mark.django_db
def test_no_header_cookie_or_body_is_logged(caplog, client):
    pat = "pat_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"
    client.cookies["sessionid"] = "a-session-cookie-value"
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        client.post(
            "/login/",
            {"username": "someone@example.com", "password": "a-password-typed"},
            headers={"authorization": f"Bearer {pat}"},
        )
    text = "\n".join(
        record.getMessage() + json.dumps(record.request_fields)
        for record in caplog.records
        if record.name == LOGGER
    )
    assert text
    for secret in (pat, "a-session-cookie-value", "a-password-typed", "someone@example.com"):
        assert secret not in text


@pytest.mark.django_db
def test_json_lines(caplog, client):
    _, record = request_line(caplog, client, f"/invitations/{TOKEN}/")
    line = json.loads(JsonFormatter().format(record))
    assert line["logger"] == LOGGER
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/invitations/[redacted]/"
    assert line["status"] in (200, 404)
    assert line["request_id"] == record.request_fields["request_id"]
    assert isinstance(line["duration_ms"], float)
    assert line["time"].endswith("+00:00")
    assert TOKEN not in json.dumps(line)


def test_log_format_json_configures_the_console_handler():
    """LOG_FORMAT=json in a fresh process: the console handler writes JSON."""
    import os
    import subprocess
    import sys

    from tests.portal.test_settings import PROJECT

    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('portal.request').info('hello %s', 'pat_' + 'A1b2C3d4E5f6G7h8J9k0L1')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "LOG_FORMAT": "json",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello [redacted]"
    assert line["logger"] == LOGGER
