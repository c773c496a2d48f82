"""Where credcert keeps its state and secrets: the home folder and secret files.

The home folder is ``$CREDCERT_HOME``, or ``~/.credcert`` when that is unset;
it is never inside the repository. Secrets (the pseudonym key, signing keys)
are created there on first use with file mode 0600 and are never shipped as
defaults: a fresh machine gets fresh secrets.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from credcert._errors import ConfigError

__all__ = [
    "HOME_ENV",
    "PSEUDONYM_KEY_FILE",
    "default_database_url",
    "home",
    "read_or_create_secret",
    "write_private",
]

logger = logging.getLogger(__name__)

#: Environment variable naming the home folder.
HOME_ENV = "CREDCERT_HOME"
#: File (under the home folder) holding the pseudonym key, hex encoded.
PSEUDONYM_KEY_FILE = "pseudonym.key"
_SECRET_BYTES = 32


def home(path: str | os.PathLike[str] | None = None) -> Path:
    """The credcert home folder, created with mode 0700 if missing.

    Parameters
    ----------
    path : path-like, optional
        An explicit folder; otherwise ``$CREDCERT_HOME`` or ``~/.credcert``.
    """
    chosen = path if path is not None else os.environ.get(HOME_ENV)
    folder = Path(chosen) if chosen else Path.home() / ".credcert"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"credcert home {folder}: expected a writable folder; got {exc.strerror}"
        ) from None
    return folder


def default_database_url(folder: Path) -> str:
    """The SQLite database URL used when none is given: a file in ``folder``."""
    return f"sqlite:///{folder / 'credcert.db'}"


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file readable only by its owner (mode 0600).

    The file is created exclusively: an existing secret is never overwritten.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    fd = os.open(path, flags, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def read_or_create_secret(path: Path) -> bytes:
    """Read a 32-byte hex secret, creating a random one on first use.

    Raises
    ------
    ConfigError
        If the file exists but is readable by others, or does not hold 64
        hexadecimal characters. The secret itself never appears in the message.
    """
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            write_private(path, secrets.token_hex(_SECRET_BYTES).encode("ascii"))
            logger.info("created secret file %s", path)
        except FileExistsError:  # another process created it first
            pass
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{path}: expected file mode 0600 (owner only); got {mode:04o}"
        )
    text = path.read_text(encoding="ascii").strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) != _SECRET_BYTES:
        raise ConfigError(
            f"{path}: expected {2 * _SECRET_BYTES} hexadecimal characters"
        )
    return secret
