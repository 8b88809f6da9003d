"""/healthz and /readyz for a load balancer: a plain answer, no detail, no credential."""

from unittest import mock

import pytest
from django.db import connection


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/healthz/", "/readyz/"])
def test_healthy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response


def test_liveness_needs_no_database(client):
    # No django_db mark: a query here would fail the test.
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_not_ready_without_the_database_says_no_more(client):
    with mock.patch.object(connection, "cursor", side_effect=OSError("db is down at 10.0.0.7")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.content == b"unavailable"


@pytest.mark.django_db
def test_not_ready_without_the_cache(client):
    with mock.patch("portal.health.cache.set", side_effect=ConnectionError("redis down")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.content == b"unavailable"


@pytest.mark.django_db
def test_any_host_and_plain_http(client, settings):
    """A balancer probes each process by its own address, over plain HTTP."""
    settings.ALLOWED_HOSTS = ["portal.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/readyz", HTTP_HOST="10.0.0.5:8000").status_code == 200
    assert client.get("/login/", HTTP_HOST="10.0.0.5:8000").status_code == 400


@pytest.mark.django_db
def test_only_reads(client):
    assert client.post("/readyz").status_code == 405
