"""Secrets at rest: what the stores seal before writing to Elasticsearch and open after reading.

Sealed: a rule's HMAC signing secret and its webhook URLs (for Slack, Teams or Discord the URL *is* the
credential), and a feed's WebSub secret. Anyone who can read an index (a Kibana user, a snapshot, the
Dev Tools console) sees only ``fernet:<token>``: Fernet (AES-128-CBC + HMAC-SHA256) under the key in
``WIREWATCH_SECRET_KEY``. That setting may hold several comma-separated keys: the first seals, every one
opens (rotation: put the new key first, rewrite, then drop the old one).

Where the key comes from, first found wins:

1. ``WIREWATCH_SECRET_KEY`` (what a deployment sets, on every host that reads or writes rules or feeds);
2. ``<WIREWATCH_STATE_DIR>/secret.key``, a file the local stack generates once (``wirewatch stack up``,
   ``make demo``, ``make test``: :func:`ensure_key_file`), so a laptop installation works untouched.

No key at all is fine until a secret is stored: then :class:`SecretKeyMissing` names the setting. A
value that does not open with the keys is :class:`SecretUndecryptable` (a wrong or rotated-away key),
never an empty secret. Values written in clear by versions before issue 13 are read as they are and
sealed on their next write (:meth:`SecretBox.is_sealed` tells them apart).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from wirewatch.core.errors import WirewatchError

SETTING = "WIREWATCH_SECRET_KEY"
KEY_FILE = "secret.key"
PREFIX = "fernet:"


class SecretError(WirewatchError):
    """A secret cannot be sealed or opened."""

    error_class = "secret_error"
    retriable = False


class SecretKeyMissing(SecretError):
    """A secret must be stored (or a sealed one read) and no key is configured."""

    error_class = "secret_key_missing"
    retriable = False


class SecretUndecryptable(SecretError):
    """A stored secret does not open with the configured key(s): the key is wrong or was rotated away."""

    error_class = "secret_undecryptable"
    retriable = False

    def __init__(self, reason: str, *, field: str) -> None:
        super().__init__(reason)
        self.field = field


def parse_keys(value: str) -> list[bytes]:
    """Comma-separated Fernet keys (url-safe base64 of 32 bytes); ValueError naming the setting, not the key."""
    keys = [part.strip().encode() for part in value.split(",") if part.strip()]
    if not keys:
        raise ValueError(f"{SETTING} is empty")
    for number, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except ValueError:
            raise ValueError(
                f"{SETTING}: key {number} is not a Fernet key (32 url-safe base64-encoded bytes; make one with "
                '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`)'
            ) from None
    return keys


def generate_key() -> str:
    return Fernet.generate_key().decode()


def ensure_key_file(state_dir: Path) -> Path:
    """The local stack's key file, created (mode 0600) with a fresh key when missing."""
    path = Path(state_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(generate_key() + "\n")
    return path


class SecretBox:
    """Seals and opens secret strings with the configured keys (``keys`` empty: no key configured)."""

    def __init__(self, keys: Sequence[bytes], *, source: str = SETTING) -> None:
        self._fernet = MultiFernet([Fernet(k) for k in keys]) if keys else None
        self.source = source

    def require(self, what: str) -> None:
        """Fail now, naming the setting, when ``what`` will need to seal secrets and there is no key."""
        if self._fernet is None:
            raise SecretKeyMissing(f"{what} needs {SETTING} (or a key file in the state directory)")

    @staticmethod
    def is_sealed(value: str) -> bool:
        return value.startswith(PREFIX)

    def seal(self, value: str) -> str:
        if self._fernet is None:
            raise SecretKeyMissing(
                f"storing a secret (a signing secret, a webhook URL, a WebSub secret) needs {SETTING}: set it "
                "to a Fernet key, the same on every host of the installation"
            )
        return PREFIX + self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def open(self, value: str, *, field: str) -> str:
        """The clear value of a stored one; a clear legacy value is returned as it is."""
        if not self.is_sealed(value):
            return value
        if self._fernet is None:
            raise SecretKeyMissing(f"{field} is stored encrypted and {SETTING} is not set: it cannot be read")
        try:
            return self._fernet.decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise SecretUndecryptable(
                f"{field} does not decrypt with the key from {self.source}: the key is wrong or was rotated away "
                f"(put the key that sealed it in {SETTING}, or store the secret again)",
                field=field,
            ) from exc


def box_for(secret_key: str | None, state_dir: Path) -> SecretBox:
    """The box for these settings: the setting's keys, else the state directory's key file, else none."""
    if secret_key:
        return SecretBox(parse_keys(secret_key))
    path = Path(state_dir) / KEY_FILE
    try:
        text = path.read_text()
    except FileNotFoundError:
        return SecretBox([])
    try:
        return SecretBox(parse_keys(text), source=str(path))
    except ValueError as exc:
        raise SecretKeyMissing(f"{path} holds no usable key ({exc})") from None


@cache
def default_box() -> SecretBox:
    """The box of the process's own settings (the CLI and the workers read one environment)."""
    from wirewatch.core.settings import CommonSettings

    settings = CommonSettings()
    key = settings.secret_key.get_secret_value() if settings.secret_key is not None else None
    return box_for(key, settings.state_dir)
