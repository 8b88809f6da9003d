"""`make bench` runs end to end (a handful of requests; no timing is asserted here): the
in-process table, then the HTTP tables under gunicorn driven by wrk, then the instructions
table under callgrind (where valgrind is installed; in CI it must be), then the summary and
the gap lines last."""

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


@pytest.fixture
def valgrind() -> bool:
    """Whether the instructions table can run: valgrind is installed (in CI it must be)."""
    if shutil.which("valgrind") is None and os.environ.get("CI") == "true":
        pytest.fail("valgrind is not installed (apt-get install -y valgrind)")
    return shutil.which("valgrind") is not None


SCHEMES = (
    "no authentication",
    "one database round trip",
    "PAT",
    "secret key",
    "publishable key",
    "access token",
    "space access token",
    "guest access token",
    "DRF TokenAuthentication",
    "django-rest-knox",
)
GAP = r"-?\d+\.\d\d"


def test_bench_measures_every_scheme_in_process_and_over_http(wrk, valgrind):
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment.update(
        BENCH_REQUESTS="20",
        BENCH_ROUNDS="1",
        BENCH_HTTP_SECONDS="1",
        BENCH_HTTP_ROUNDS="1",
        BENCH_INSTRUCTIONS_WARM_UP="1",
        BENCH_INSTRUCTIONS_REQUESTS="2",
    )
    result = subprocess.run(
        [sys.executable, "-m", "tests.perf.bench"],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    for scheme in SCHEMES:
        assert any(re.match(rf"{scheme}\s+\d+\s+\d+\.\d\d$", line) for line in lines), scheme
        http_rows = [  # over HTTP: requests/s, p50, p99, ratio
            line
            for line in lines
            if re.match(rf"{scheme}\s+\d+\s+\d+\.\d\d\s+\d+\.\d\d\s+\d+\.\d\d$", line)
        ]
        assert len(http_rows) == 2, scheme  # 1 and 2 gunicorn workers
    assert sum(line.startswith("worker memory (RSS): ") for line in lines) == 2
    if valgrind:
        table = lines.index(
            "Instructions per request, in-process, SQLite (callgrind, 2 requests after 1 warm-up)"
        )
        rows = lines[table + 2 : table + 2 + len(SCHEMES)]
        for scheme, row in zip(SCHEMES, rows, strict=True):
            assert re.fullmatch(rf"{scheme}\s+\d+\s+\d+\.\d\d", row), row
        assert re.fullmatch(
            r"instructions, PAT / no authentication: \d+\.\d\d", lines[table + 2 + len(SCHEMES)]
        )
    assert re.fullmatch(r"PAT / no authentication: \d+\.\d\d", lines[-4])
    assert re.fullmatch(r"HTTP PAT / no authentication \(SQLite\): \d+\.\d\d", lines[-3])
    assert re.fullmatch(
        rf"HTTP gap to one round trip, other kinds \(SQLite, 1 worker\): publishable key {GAP}, "
        rf"space access token {GAP}, guest access token {GAP}",
        lines[-2],
    )
    assert re.fullmatch(
        rf"HTTP gap to one round trip \(SQLite, 1 worker\): PAT {GAP}, secret key {GAP}, "
        rf"access token {GAP}",
        lines[-1],
    )
