"""The benchmark over real HTTP: the benchmark's endpoint (tests/perf/urls.py) served by
gunicorn with the portal's gunicorn.conf.py, 1 and then 2 worker processes, driven by wrk
(Debian's `wrk`, installed by `make bench`) over keep-alive connections on 127.0.0.1.

Each run is bounded (BENCH_HTTP_SECONDS per scheme, BENCH_HTTP_ROUNDS rounds, fixed
concurrency BENCH_HTTP_CONNECTIONS), schemes take turns in alternating order, and a scheme's
ratio is the median over rounds of its requests per second against the same round's
without authentication. Every server is stopped by its process id.

"one database round trip" is the ceiling for any credential check that asks the database
(tests/perf/bench.py).

gunicorn's sync workers close the connection after every response (by design: they expect
a buffering proxy in front), so a benchmark of keep-alive connections would measure TCP
handshakes; the benchmark serves with gthread workers of one thread each, which answer
one request at a time per process as sync workers do, and keep connections open."""

import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
# Short blocks and many rounds: the machine's speed drifts within seconds, and a ratio taken
# between blocks a few seconds apart, many times over, drifts least.
SECONDS = int(os.environ.get("BENCH_HTTP_SECONDS", "2"))
ROUNDS = int(os.environ.get("BENCH_HTTP_ROUNDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_HTTP_CONNECTIONS", "4"))
WORKER_COUNTS = (1, 2)
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
CREDENTIAL_KINDS = (
    "PAT",
    "secret key",
    "publishable key",
    "access token",
    "space access token",
    "guest access token",
)
BASELINES = ("DRF TokenAuthentication", "django-rest-knox")
TARGETS = {"SQLite": 0.90, "PostgreSQL": 0.85}
BASELINE_FACTOR = 1.7


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(environment: dict, module: str = "tests.perf.http_bench") -> dict:
    """Migrate the benchmark's database and make its fixtures, in a process of its own
    (`module`'s "prepare", which prints JSON as its last line): by default the schemes'
    paths and Authorization headers, and the account's id."""
    result = subprocess.run(
        [sys.executable, "-m", module, "prepare"],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"preparing the HTTP benchmark failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _prepare_here() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.perf.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from tests.perf.bench import build_schemes
    from tests.perf.urls import NoAuthentication

    call_command("migrate", verbosity=0, interactive=False)
    schemes = build_schemes()
    print(json.dumps({"schemes": schemes, "account_id": NoAuthentication.account_id}))


def wrk(url: str, authorization: str, seconds: int) -> dict:
    """wrk's requests per second and p50/p99 latency (ms) for `seconds` of requests."""
    command = ["wrk", f"-t{min(CONNECTIONS, 2)}", f"-c{CONNECTIONS}", f"-d{seconds}s"]
    command += ["--latency", "--timeout", "5s"]
    if authorization:
        command += ["-H", f"Authorization: {authorization}"]
    result = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + 30, check=True
    )
    output = result.stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    if bad or errors:
        raise SystemExit(f"{url} ({authorization.split(' ')[0] or 'no'} credential):\n{output}")
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "p50": _milliseconds(re.search(r"\s50%\s+([\d.]+\w+)", output)[1]),
        "p99": _milliseconds(re.search(r"\s99%\s+([\d.]+\w+)", output)[1]),
    }


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def workers_of(master_pid: int) -> list[int]:
    """The process ids of gunicorn's workers: the master's children."""
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master_pid}$", text, re.MULTILINE):
            children.append(int(status.parent.name))
    return sorted(children)


def rss_megabytes(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", text, re.MULTILINE)[1]) / 1024


class Server:
    """gunicorn serving the benchmark's URLconf on a loopback port, stopped by its pid."""

    def __init__(self, environment: dict, workers: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(GUNICORN),
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--worker-class",
                "gthread",
                "--threads",
                "1",
            ],
            cwd=PROJECT,
            env=environment,
            stdout=self.log,
            stderr=self.log,
        )

    def wait_until_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        self.log.seek(0)
        raise SystemExit(f"gunicorn did not answer:\n{self.log.read().decode(errors='replace')}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def measure(environment: dict, schemes: dict, workers: int) -> tuple[dict, list[float]]:
    """Per scheme: median requests/s, p50 and p99 (ms) and median ratio to no
    authentication within a round; and each worker's RSS (MB) after the run."""
    server = Server(environment, workers)
    try:
        server.wait_until_ready(schemes["no authentication"][0])
        for name in SCHEMES:  # warm up every worker: first use, imports, prepared statements
            wrk(server.url + schemes[name][0], schemes[name][1], 1)
        runs = {name: [] for name in SCHEMES}
        order = list(SCHEMES)
        for _ in range(ROUNDS):
            for name in order:
                runs[name].append(wrk(server.url + schemes[name][0], schemes[name][1], SECONDS))
            order.reverse()
        memory = [rss_megabytes(pid) for pid in workers_of(server.process.pid)]
    finally:
        server.stop()
    limit = [run["rate"] for run in runs["no authentication"]]
    results = {
        name: {
            "rate": statistics.median(run["rate"] for run in scheme_runs),
            "p50": statistics.median(run["p50"] for run in scheme_runs),
            "p99": statistics.median(run["p99"] for run in scheme_runs),
            "ratio": statistics.median(
                run["rate"] / rate for run, rate in zip(scheme_runs, limit, strict=True)
            ),
        }
        for name, scheme_runs in runs.items()
    }
    return results, memory


def report(database: str, workers: int, results: dict, memory: list[float]) -> None:
    print(
        f"\nHTTP, {database}, gunicorn {workers} worker{'s' if workers > 1 else ''}: wrk "
        f"{CONNECTIONS} keep-alive connections, {ROUNDS} rounds of {SECONDS} s per scheme"
    )
    print(f"{'scheme':<26}{'requests/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}")
    for name, result in results.items():
        print(
            f"{name:<26}{result['rate']:>12.0f}{result['p50']:>9.2f}"
            f"{result['p99']:>9.2f}{result['ratio']:>8.2f}"
        )
    print("worker memory (RSS): " + ", ".join(f"{megabytes:.0f} MB" for megabytes in memory))
    target = TARGETS[database]
    pat = results["PAT"]["ratio"]
    weakest = min(results[name]["ratio"] for name in CREDENTIAL_KINDS)
    strongest_baseline = max(results[name]["ratio"] for name in BASELINES)
    needed = BASELINE_FACTOR * strongest_baseline
    ceiling = results["one database round trip"]["ratio"]
    print(
        f"target PAT >= {target:.2f} x no authentication: "
        f"{'met' if pat >= target else 'NOT met'} ({pat:.2f}); every credential kind >= "
        f"{BASELINE_FACTOR} x DRF token and knox: "
        f"{'met' if weakest >= needed else 'NOT met'} ({weakest / strongest_baseline:.2f} x)"
    )
    if needed > ceiling:
        # The credential check must ask the database (revocation on the very next request),
        # so no scheme can do better than one round trip on top of no authentication.
        print(
            f"  {BASELINE_FACTOR} x the stronger baseline is {needed:.2f} x no authentication, "
            f"above one database round trip's {ceiling:.2f}: no credential check that asks "
            "the database can meet it"
        )


def run(database: str, database_url: str) -> dict[int, dict]:
    """Both server sizes on one database: per worker count, each scheme's results."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "tests.perf.settings",
    }
    prepared = prepare(environment)
    environment["BENCH_ACCOUNT_ID"] = prepared["account_id"]
    cells = {}
    for workers in WORKER_COUNTS:
        results, memory = measure(environment, prepared["schemes"], workers)
        report(database, workers, results, memory)
        cells[workers] = results
    return cells


if __name__ == "__main__" and sys.argv[1:] == ["prepare"]:
    _prepare_here()
