"""Instructions per request, in-process on SQLite, for every scheme of the benchmark
(tests/perf/bench.py), counted by Valgrind's callgrind (Debian's `valgrind`, installed by
`make bench` and `make instructions`): a measure the machine's load cannot move, for
finding and proving a saving where requests per second swing with whatever else runs.

The fixtures are made once (tests.perf.http_bench.prepare, natively) in a SQLite file.
Then one Python process under callgrind takes the schemes in turn: WARM_UP requests (first
use, statement caches, the interpreter's specialising), then REQUESTS requests, each
answered 200. callgrind counts only the measured requests: they run inside
`sys.call_tracing` (which calls its function and does nothing else while no tracer is set,
and which nothing else in the process calls), named to callgrind by its C function with
--toggle-collect, and --dump-after writes each scheme's count when its requests end. The
count is the process's own instructions, whatever runs beside it, and the environment is
fixed (PYTHONHASHSEED, the locale, the settings), so the same commit gives the same
numbers; only the fixtures' random values (ids, token values) differ between runs, which
moves a count by a hair (README, Benchmark) and a ratio not at all. It needs a Python
built with its symbols, as pyenv's builds are: on a stripped one callgrind finds no
function to count, which is reported.

Tunable with BENCH_INSTRUCTIONS_REQUESTS and BENCH_INSTRUCTIONS_WARM_UP; `make
instructions` prints this table alone. A ratio is no authentication's instructions over
the scheme's, so it reads as the throughput tables do: higher is better, 1.00 is free."""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.perf.http_bench import PROJECT, prepare

REQUESTS = int(os.environ.get("BENCH_INSTRUCTIONS_REQUESTS", "200"))
WARM_UP = int(os.environ.get("BENCH_INSTRUCTIONS_WARM_UP", "50"))
# The C function behind sys.call_tracing (CPython's Python/sysmodule.c).
MEASURED = "sys_call_tracing"


def child_environment(database_url: str, account_id: str) -> dict:
    """Only what the benchmark needs, the same every run: nothing from the caller's
    environment but PATH leaks into the counted process."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "tests.perf.settings",
        "DATABASE_URL": database_url,
        "BENCH_ACCOUNT_ID": account_id,
    }


def measure() -> dict[str, float]:
    """Per scheme, instructions per request: every scheme in one callgrind process (its
    start, Django's setup under instrumentation, takes longer than a scheme's requests),
    which dumps the counts after each scheme's measured requests and starts again from
    zero (--dump-after)."""
    with tempfile.TemporaryDirectory(prefix="portal-instructions-") as directory:
        directory = Path(directory)
        database = directory / "bench.sqlite3"
        environment = child_environment(f"sqlite:///{database}", "")
        prepared = prepare(environment)
        schemes = prepared["schemes"]
        (directory / "schemes.json").write_text(json.dumps(schemes))
        out = directory / "callgrind.out"
        result = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                f"--toggle-collect={MEASURED}",
                f"--dump-after={MEASURED}",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-m",
                "tests.perf.instructions",
                "measure",
                str(directory / "schemes.json"),
                str(WARM_UP),
                str(REQUESTS),
            ],
            cwd=PROJECT,
            env=child_environment(f"sqlite:///{database}", prepared["account_id"]),
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"the callgrind run failed:\n{result.stderr}")
        # One dump per scheme, numbered in order (callgrind.out.1, .2, …); the last one,
        # at exit, collected nothing.
        dumps = sorted(directory.glob("callgrind.out.*"), key=lambda dump: int(dump.suffix[1:]))
        totals = [
            int(re.search(r"^(?:summary|totals): (\d+)", dump.read_text(), re.MULTILINE)[1])
            for dump in dumps[: len(schemes)]
        ]
    if len(totals) < len(schemes) or not all(totals):
        raise SystemExit(
            f"callgrind counted nothing: this Python has no symbol {MEASURED} "
            "(a stripped build) for --toggle-collect and --dump-after to find"
        )
    return {name: total / REQUESTS for name, total in zip(schemes, totals, strict=True)}


def report(results: dict[str, float]) -> None:
    print(
        f"\nInstructions per request, in-process, SQLite (callgrind, {REQUESTS} requests "
        f"after {WARM_UP} warm-up)"
    )
    print(f"{'scheme':<26}{'instructions':>14}{'ratio':>8}")
    limit = results["no authentication"]
    for name, instructions in results.items():
        print(f"{name:<26}{instructions:>14.0f}{limit / instructions:>8.2f}")
    print(f"instructions, PAT / no authentication: {limit / results['PAT']:.2f}")


def _measure_here(schemes_file: str, warm_up: str, requests: str) -> None:
    """In the callgrind process: per scheme, in order, `warm_up` requests, then `requests`
    counted ones."""
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from tests.perf.bench import run

    handler = WSGIHandler()
    for path, authorization in json.loads(Path(schemes_file).read_text()).values():
        run(handler, path, authorization, int(warm_up))
        sys.call_tracing(run, (handler, path, authorization, int(requests)))


def main() -> None:
    report(measure())


if __name__ == "__main__":
    if sys.argv[1:2] == ["measure"]:
        _measure_here(*sys.argv[2:5])
    else:
        main()
