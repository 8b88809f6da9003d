"""`make bench` runs end to end (a handful of requests; no timing is asserted here)."""

import os
import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def test_bench_measures_every_scheme_and_ends_with_the_pat_ratio():
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment.update(BENCH_REQUESTS="20", BENCH_ROUNDS="1")
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
    assert re.fullmatch(r"PAT / no authentication: \d+\.\d\d", lines[-1])
