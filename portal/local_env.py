"""The git-ignored `.env` file that makes development work with no configuration at all.

On first use it is created with DEBUG on and freshly generated keys; keys missing from an
existing file are appended. Production never uses it: there, keys come from the real
environment and settings refuse to start without them.
"""

import secrets
from pathlib import Path

from cryptography.fernet import Fernet

GENERATED_KEYS = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(50),
    "JWT_SIGNING_KEY": lambda: secrets.token_urlsafe(48),
    "FERNET_KEYS": lambda: Fernet.generate_key().decode(),
}


def read_keys(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def ensure_local_env(path: Path) -> None:
    """Create or complete the development `.env` file; never changes a value already there."""
    existing = read_keys(path)
    lines = (
        []
        if path.exists()
        else ["# Development settings, generated once. Never commit.", "DEBUG=true"]
    )
    lines += [f"{name}={make()}" for name, make in GENERATED_KEYS.items() if name not in existing]
    if lines:
        with path.open("a") as local_file:
            local_file.write("\n".join(lines) + "\n")
        path.chmod(0o600)


if __name__ == "__main__":
    ensure_local_env(Path(__file__).resolve().parent.parent / ".env")
