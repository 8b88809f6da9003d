"""What the tests that serve the portal in processes of its own share: a free loopback port,
and stopping a server by its own process id."""

import socket
import subprocess
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """By its own process id: terminate, wait, kill if it will not go."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_until_answering(process: subprocess.Popen, url: str, log: Path | None = None) -> None:
    """Until `url` answers 200, within a minute: a server on a loaded machine (CI runs the
    suite beside other work) may take seconds to start, or to answer its first request."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text() if log else f"the server for {url} exited"
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within a minute")
