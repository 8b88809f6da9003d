"""`make bench` runs end to end (a handful of requests; no timing is asserted here): the
in-process table, then the HTTP tables under gunicorn driven by wrk, then the summary."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def wrk():
    if shutil.which("wrk") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("wrk is not installed (apt-get install -y wrk)")
        pytest.skip("wrk is not installed (`make bench` installs it: apt-get install -y wrk)")


def test_bench_measures_every_scheme_in_process_and_over_http(wrk):
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment.update(
        BENCH_REQUESTS="20", BENCH_ROUNDS="1", BENCH_HTTP_SECONDS="1", BENCH_HTTP_ROUNDS="1"
    )
    result = subprocess.run(
        [sys.executable, "-m", "tests.perf.bench"],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    for scheme in (
        "no authentication",
        "one database round trip",
        "PAT",
        "secret key",
        "access token",
        "DRF TokenAuthentication",
        "django-rest-knox",
    ):
        assert any(re.match(rf"{scheme}\s+\d+\s+\d+\.\d\d$", line) for line in lines), scheme
        http_rows = [  # over HTTP: requests/s, p50, p99, ratio
            line
            for line in lines
            if re.match(rf"{scheme}\s+\d+\s+\d+\.\d\d\s+\d+\.\d\d\s+\d+\.\d\d$", line)
        ]
        assert len(http_rows) == 2, scheme  # 1 and 2 gunicorn workers
    assert sum(line.startswith("worker memory (RSS): ") for line in lines) == 2
    assert re.fullmatch(r"PAT / no authentication: \d+\.\d\d", lines[-2])
    assert re.fullmatch(r"HTTP PAT / no authentication \(SQLite\): \d+\.\d\d", lines[-1])
