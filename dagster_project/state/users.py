"""Local dashboard accounts: a JSON file of salted scrypt hashes, plus sign-in throttling.

The accounts file (``settings.users_file``, ``RW_USERS_FILE``) lives outside the repository and holds
only a per-user random salt and the scrypt hash of each password, never the password. There is no
default password: ``ensure_admin`` creates a first admin with a random password when no file exists
and returns it once so ``make run`` can print it.

Failed sign-ins are counted in the state database (table ``failed_sign_ins``) so a lock survives
restarts of the dashboard: ``MAX_FAILURES`` failures for one user name, or ``MAX_FAILURES_PER_CLIENT``
from one client address (whatever names it tries), within ``LOCK_WINDOW`` lock that name or address
until the oldest of them leaves the window. Every attempt is written to the audit log.

The lock holds under parallel attempts: an attempt is counted *before* its password is checked,
inside one ``BEGIN IMMEDIATE`` transaction with the lock test, and un-counted only when the password
was right. Twelve simultaneous guesses therefore get five password checks, not nine.

Command line (registered into ``rightswatch``)::

    rightswatch users add NAME --role ROLE   # password from stdin when piped, else asked twice
    rightswatch users remove NAME
    rightswatch users list
    rightswatch users unlock NAME            # clear failed sign-ins
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dagster_project.state.db import register_schema

ROLES: tuple[str, ...] = ("analyst", "regulator", "manager", "admin")
MIN_PASSWORD_LENGTH = 10
MAX_FAILURES = 5
MAX_FAILURES_PER_CLIENT = 20
LOCK_WINDOW = timedelta(minutes=15)
_NAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")

# scrypt cost: n=2**14, r=8, p=1 takes ~50 ms and 16 MiB, the parameters Python's docs suggest.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_DKLEN = 32

register_schema(
    """
    CREATE TABLE IF NOT EXISTS failed_sign_ins (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_name TEXT NOT NULL,
        client TEXT,                     -- client address, when known
        at_utc TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS failed_sign_ins_user ON failed_sign_ins (user_name, at_utc)",
    "CREATE INDEX IF NOT EXISTS failed_sign_ins_client ON failed_sign_ins (client, at_utc)",
)


class UserError(ValueError):
    """A user-management request that cannot be carried out (message is for the operator)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created_at: str


# --- the accounts file ---------------------------------------------------------------------------

def _load(path: Path) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        return {"version": 1, "users": {}}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("users"), dict):
        raise UserError(f"{path} is not a RightsWatch users file")
    return data


def _save(path: Path, data: dict[str, Any]) -> None:
    """Write atomically (temp file + rename) and readable by the owner only."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".users-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _hash(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_DKLEN,
                          maxmem=64 * 1024 * 1024)


def _check_name(name: str) -> None:
    if not _NAME_RE.match(name or ""):
        raise UserError("user name must be 1-64 characters of letters, digits, _ . @ -")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")


def add_user(path: Path, name: str, role: str, password: str, *, replace: bool = False) -> User:
    """Create (or with ``replace`` reset) an account with a fresh random salt."""
    _check_name(name)
    _check_role(role)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    data = _load(path)
    if name in data["users"] and not replace:
        raise UserError(f"user {name!r} already exists")
    salt = secrets.token_bytes(16)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    data["users"][name] = {
        "role": role,
        "algorithm": "scrypt",
        **_SCRYPT,
        "salt": salt.hex(),
        "hash": _hash(password, salt, **_SCRYPT).hex(),
        "created_at": created,
    }
    _save(path, data)
    return User(name=name, role=role, created_at=created)


def remove_user(path: Path, name: str) -> None:
    data = _load(path)
    if name not in data["users"]:
        raise UserError(f"no user {name!r}")
    del data["users"][name]
    _save(path, data)


def list_users(path: Path) -> list[User]:
    data = _load(path)
    return [User(name=n, role=u["role"], created_at=u.get("created_at", ""))
            for n, u in sorted(data["users"].items())]


def get_user(path: Path, name: str) -> User | None:
    entry = _load(path)["users"].get(name)
    return User(name=name, role=entry["role"], created_at=entry.get("created_at", "")) if entry else None


# A fixed dummy record so an unknown user name costs the same scrypt work as a known one.
_DUMMY = {"salt": "00" * 16, "hash": "00" * _DKLEN, **_SCRYPT}


def verify_password(path: Path, name: str, password: str) -> User | None:
    """The account when ``password`` is right, else None. Constant-time comparison of the hashes."""
    try:
        users = _load(path)["users"]
    except FileNotFoundError:
        users = {}
    entry = users.get(name)
    record = entry or _DUMMY
    computed = _hash(password or "", bytes.fromhex(record["salt"]), int(record["n"]), int(record["r"]),
                     int(record["p"]))
    ok = hmac.compare_digest(computed, bytes.fromhex(record["hash"]))
    if entry is None or not ok:
        return None
    return User(name=name, role=entry["role"], created_at=entry.get("created_at", ""))


def ensure_admin(path: Path, name: str = "admin") -> str | None:
    """Create an admin with a random password when no users file exists; return that password once."""
    path = Path(path)
    if path.exists():
        return None
    password = secrets.token_urlsafe(16)
    add_user(path, name, "admin", password)
    return password


# --- sign-in throttling (state database) ---------------------------------------------------------

def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _since(now: datetime | None) -> str:
    return (_now(now) - LOCK_WINDOW).isoformat(timespec="seconds")


def recent_failures(con: sqlite3.Connection, name: str, now: datetime | None = None) -> int:
    row = con.execute("SELECT COUNT(*) FROM failed_sign_ins WHERE user_name = ? AND at_utc > ?",
                      (name, _since(now))).fetchone()
    return int(row[0])


def recent_client_failures(con: sqlite3.Connection, client: str, now: datetime | None = None) -> int:
    row = con.execute("SELECT COUNT(*) FROM failed_sign_ins WHERE client = ? AND at_utc > ?",
                      (client, _since(now))).fetchone()
    return int(row[0])


def is_locked(con: sqlite3.Connection, name: str, now: datetime | None = None) -> bool:
    return recent_failures(con, name, now) >= MAX_FAILURES


def _lock_scope(con: sqlite3.Connection, name: str, client: str | None, now: datetime | None) -> str | None:
    """"account" or "client" when that one is locked, else None."""
    if is_locked(con, name, now):
        return "account"
    if client and recent_client_failures(con, client, now) >= MAX_FAILURES_PER_CLIENT:
        return "client"
    return None


def record_failure(con: sqlite3.Connection, name: str, now: datetime | None = None,
                   client: str | None = None) -> int:
    cur = con.execute("INSERT INTO failed_sign_ins (user_name, client, at_utc) VALUES (?, ?, ?)",
                      (name, client, _now(now).isoformat(timespec="seconds")))
    return int(cur.lastrowid)


def clear_failures(con: sqlite3.Connection, name: str) -> None:
    con.execute("DELETE FROM failed_sign_ins WHERE user_name = ?", (name,))


def _reserve_attempt(con: sqlite3.Connection, name: str, client: str | None,
                     now: datetime | None) -> str | None:
    """Atomically: the lock scope when locked, else count this attempt as a failure and return None.

    ``BEGIN IMMEDIATE`` takes SQLite's write lock before the count, so no other process or thread
    can count between this test and this insert.
    """
    con.execute("BEGIN IMMEDIATE")
    try:
        scope = _lock_scope(con, name, client, now)
        if scope is None:
            record_failure(con, name, now, client)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return scope


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    reason: str  # "ok", "locked", "invalid"


def authenticate(users_path: Path, con: sqlite3.Connection, name: str, password: str,
                 now: datetime | None = None, client: str | None = None) -> SignInResult:
    """Check a sign-in against the accounts file and the locks, and audit the attempt.

    A locked name or client address is refused without checking the password (so guessing stops
    counting), and the answer for an unknown name is the same as for a wrong password. ``con`` must
    be in autocommit mode (``connect_state``).
    """
    from dagster_project.state.audit import record_audit

    name = (name or "").strip()
    scope = _reserve_attempt(con, name, client, now)
    if scope is not None:
        record_audit(con, name or "?", "sign_in_locked", "dashboard", {"lock": scope, "client": client}, at=now)
        return SignInResult(None, "locked")
    user = verify_password(users_path, name, password)
    if user is None:
        record_audit(con, name or "?", "sign_in_failed", "dashboard",
                     {"failures_in_window": recent_failures(con, name, now), "client": client}, at=now)
        return SignInResult(None, "locked" if _lock_scope(con, name, client, now) else "invalid")
    clear_failures(con, name)  # also removes this attempt's provisional failure
    record_audit(con, name, "sign_in", "dashboard", {"role": user.role, "method": "local", "client": client},
                 at=now)
    return SignInResult(user, "ok")


# --- command line --------------------------------------------------------------------------------

def _read_password(confirm: bool = True) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Repeat password: ") != first:
        raise UserError("passwords differ")
    return first


def _users_path() -> Path:
    from dagster_project.settings import get_settings

    return get_settings().users_file


def _cmd_add(args: argparse.Namespace) -> int:
    try:
        password = _read_password()
        add_user(_users_path(), args.name, args.role, password, replace=args.replace)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"user {args.name} ({args.role}) saved in {_users_path()}")
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    try:
        remove_user(_users_path(), args.name)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"user {args.name} removed")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    try:
        users = list_users(_users_path())
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for user in users:
        print(f"{user.name}\t{user.role}\t{user.created_at}")
    return 0


def _cmd_unlock(args: argparse.Namespace) -> int:
    from dagster_project.settings import get_settings
    from dagster_project.state import connect_state, record_audit

    con = connect_state(get_settings().state_db)
    try:
        clear_failures(con, args.name)
        record_audit(con, "cli", "sign_in_unlocked", args.name)
    finally:
        con.close()
    print(f"user {args.name} unlocked")
    return 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    users = subparsers.add_parser("users", help="manage dashboard accounts (RW_USERS_FILE)")
    sub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    add = sub.add_parser("add", help="add an account; password from stdin when piped, else prompted twice")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--replace", action="store_true", help="reset the password/role of an existing account")
    add.set_defaults(handler=_cmd_add)

    remove = sub.add_parser("remove", help="remove an account")
    remove.add_argument("name")
    remove.set_defaults(handler=_cmd_remove)

    lst = sub.add_parser("list", help="list accounts and roles (never hashes)")
    lst.set_defaults(handler=_cmd_list)

    unlock = sub.add_parser("unlock", help="clear failed sign-ins of an account")
    unlock.add_argument("name")
    unlock.set_defaults(handler=_cmd_unlock)
