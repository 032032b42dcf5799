"""Account secrets: where they live and who may read them.

Nothing secret goes into ``config.toml``, the library or a log. Per account, the state dir
holds (in ``accounts/``, a folder only its owner can open):

- ``NAME.token``: the session token the server issued at login, reused until refused;
- ``NAME.password``: the password, only when it was typed (read from stdin). An account set
  up with ``--password-command`` runs that command (split like a shell would, but without a
  shell) whenever it has to log in, and no password file exists;
- ``NAME.app``: the client's application id and key (two lines), for servers that want
  every request to name a registered application (Inoreader's ``AppId``/``AppKey``).

Like ssh with a private key, a file that anyone but its owner can read is refused.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from newstui.errors import NewstuiError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
COMMAND_TIMEOUT = 60


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise NewstuiError(
            f"bad account name {name[:80]!r}: use letters, digits, '.', '_' or '-' (at most 64)"
        )
    return name


def check_app(app_id: str, app_key: str) -> tuple[str, str]:
    """An application id and key as HTTP headers can carry them (printable ASCII, one line)."""
    out = (app_id.strip(), app_key.strip())
    if not all(v and v.isascii() and v.isprintable() for v in out):
        raise NewstuiError("the application id and key must each be one line of printable ASCII")
    return out


def run_password_command(command: str) -> str:
    """The first line a password command prints (run without a shell)."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise NewstuiError(f"cannot parse the password command: {exc}") from None
    if not argv:
        raise NewstuiError("the password command is empty")
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        raise NewstuiError(f"password command not found: {argv[0]}") from None
    except subprocess.TimeoutExpired:
        raise NewstuiError(f"the password command did not finish within {COMMAND_TIMEOUT} s") from None
    except OSError as exc:
        raise NewstuiError(f"cannot run the password command: {exc.strerror or exc}") from None
    if done.returncode != 0:
        # Its stderr may quote the secret store's own messages; keep only the status.
        raise NewstuiError(f"the password command failed (exit status {done.returncode})")
    password = done.stdout.splitlines()[0] if done.stdout else ""
    if not password:
        raise NewstuiError("the password command printed nothing")
    return password


@dataclass
class Credentials:
    """The secret files of one account."""

    folder: Path
    name: str

    @property
    def token_file(self) -> Path:
        return self.folder / f"{self.name}.token"

    @property
    def password_file(self) -> Path:
        return self.folder / f"{self.name}.password"

    @property
    def app_file(self) -> Path:
        return self.folder / f"{self.name}.app"

    def _private_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.folder, 0o700)

    def _read(self, path: Path) -> str | None:
        try:
            info = path.stat()
        except FileNotFoundError:
            return None
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise NewstuiError(
                f"refusing {path}: others can read it (mode {stat.S_IMODE(info.st_mode):o}); "
                f"run `chmod 600 {path}`"
            )
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise NewstuiError(f"refusing {path}: it belongs to another user")
        return path.read_text(encoding="utf-8").strip() or None

    def _write(self, path: Path, text: str) -> None:
        """Written to a new 0600 file and renamed over: never readable by others, never half."""
        self._private_folder()
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, text.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)

    def token(self) -> str | None:
        return self._read(self.token_file)

    def save_token(self, token: str | None) -> None:
        if token is None:
            self.token_file.unlink(missing_ok=True)
        else:
            self._write(self.token_file, token + "\n")

    def save_password(self, password: str) -> None:
        self._write(self.password_file, password + "\n")

    def password(self, command: str | None) -> str:
        """The password: from the command when the account has one, else the stored file."""
        if command:
            return run_password_command(command)
        stored = self._read(self.password_file)
        if stored is None:
            raise NewstuiError(
                f"no password stored for account {self.name!r}; add it again with "
                "`newstui account add` (or use --password-command)"
            )
        return stored

    def save_app(self, app_id: str, app_key: str) -> None:
        """Keep the application id and key sent with every request (see the module doc)."""
        app_id, app_key = check_app(app_id, app_key)
        self._write(self.app_file, f"{app_id}\n{app_key}\n")

    def app(self) -> tuple[str, str] | None:
        """(application id, key), or None when the account has none."""
        stored = self._read(self.app_file)
        if stored is None:
            return None
        lines = stored.splitlines()
        if len(lines) != 2 or not all(line.strip() for line in lines):
            raise NewstuiError(f"{self.app_file} should hold two lines: the application id and key")
        return lines[0].strip(), lines[1].strip()

    def check(self) -> None:
        """Refuse now (not halfway through a sync) when a secret file is readable by others."""
        self._read(self.token_file)
        self._read(self.password_file)
        self.app()

    def forget(self) -> None:
        self.token_file.unlink(missing_ok=True)
        self.password_file.unlink(missing_ok=True)
        self.app_file.unlink(missing_ok=True)
