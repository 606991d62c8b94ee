"""Local accounts: hashing, no plaintext on disk, wrong passwords, lockout, the users CLI."""

from __future__ import annotations

import io
import json
import stat
import time
from datetime import UTC, datetime, timedelta

import pytest

from dagster_project.cli import main
from dagster_project.state import connect_state, read_audit_log, users

PASSWORD = "correct horse battery"


def test_hash_is_salted_per_user_and_no_plaintext_is_stored(tmp_path):
    path = tmp_path / "users.json"
    users.add_user(path, "alice", "analyst", PASSWORD)
    users.add_user(path, "bob", "manager", PASSWORD)
    raw = path.read_text(encoding="utf-8")
    assert PASSWORD not in raw
    data = json.loads(raw)["users"]
    assert data["alice"]["salt"] != data["bob"]["salt"]
    assert data["alice"]["hash"] != data["bob"]["hash"]
    assert data["alice"]["algorithm"] == "scrypt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_verify_password(tmp_path):
    path = tmp_path / "users.json"
    users.add_user(path, "alice", "analyst", PASSWORD)
    assert users.verify_password(path, "alice", PASSWORD).role == "analyst"
    assert users.verify_password(path, "alice", PASSWORD + "x") is None
    assert users.verify_password(path, "alice", "") is None
    assert users.verify_password(path, "mallory", PASSWORD) is None
    assert users.verify_password(tmp_path / "missing.json", "alice", PASSWORD) is None


def test_rules_for_names_roles_and_passwords(tmp_path):
    path = tmp_path / "users.json"
    with pytest.raises(users.UserError, match="role"):
        users.add_user(path, "alice", "root", PASSWORD)
    with pytest.raises(users.UserError, match="at least"):
        users.add_user(path, "alice", "analyst", "short")
    with pytest.raises(users.UserError, match="user name"):
        users.add_user(path, "al ice", "analyst", PASSWORD)
    users.add_user(path, "alice", "analyst", PASSWORD)
    with pytest.raises(users.UserError, match="exists"):
        users.add_user(path, "alice", "manager", PASSWORD)
    users.add_user(path, "alice", "manager", PASSWORD + "2", replace=True)
    assert users.verify_password(path, "alice", PASSWORD) is None
    assert users.verify_password(path, "alice", PASSWORD + "2").role == "manager"
    users.remove_user(path, "alice")
    assert users.list_users(path) == []
    with pytest.raises(users.UserError):
        users.remove_user(path, "alice")


def test_ensure_admin_only_when_no_file(tmp_path):
    path = tmp_path / "users.json"
    password = users.ensure_admin(path)
    assert password and len(password) >= 16
    assert users.verify_password(path, "admin", password).role == "admin"
    assert users.ensure_admin(path) is None
    assert password not in path.read_text(encoding="utf-8")


def test_five_failures_lock_for_fifteen_minutes_and_are_audited(tmp_path):
    path = tmp_path / "users.json"
    users.add_user(path, "alice", "analyst", PASSWORD)
    con = connect_state(tmp_path / "state.sqlite")
    t0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    for i in range(users.MAX_FAILURES - 1):
        assert users.authenticate(path, con, "alice", "wrong", now=t0 + timedelta(minutes=i)).reason == "invalid"
    assert users.authenticate(path, con, "alice", "wrong", now=t0 + timedelta(minutes=4)).reason == "locked"
    # the right password is refused while locked
    assert users.authenticate(path, con, "alice", PASSWORD, now=t0 + timedelta(minutes=5)).user is None
    # a new connection (a restarted dashboard) sees the same lock
    con.close()
    con = connect_state(tmp_path / "state.sqlite")
    assert users.is_locked(con, "alice", now=t0 + timedelta(minutes=10))
    # once the failures leave the 15-minute window, the account opens again and the counter resets
    result = users.authenticate(path, con, "alice", PASSWORD, now=t0 + timedelta(minutes=20))
    assert result.reason == "ok" and result.user.role == "analyst"
    assert users.recent_failures(con, "alice", now=t0 + timedelta(minutes=20)) == 0
    actions = [e["action"] for e in read_audit_log(con)]
    assert actions.count("sign_in_failed") == users.MAX_FAILURES
    assert "sign_in_locked" in actions and actions[0] == "sign_in"
    # another user is not affected by alice's lock
    assert not users.is_locked(con, "bob", now=t0 + timedelta(minutes=5))
    con.close()


def test_cli_add_list_remove(tmp_path, monkeypatch, capsys):
    path = tmp_path / "users.json"
    monkeypatch.setenv("RW_USERS_FILE", str(path))
    monkeypatch.setenv("RW_WAREHOUSE", str(tmp_path / "w" / "rightswatch.duckdb"))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "carol", "--role", "regulator"]) == 0
    assert users.verify_password(path, "carol", PASSWORD).role == "regulator"
    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "carol\tregulator" in out and PASSWORD not in out
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "dave", "--role", "analyst"]) == 2
    assert "at least" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["users", "add", "erin", "--role", "superuser"])
    assert main(["users", "unlock", "carol"]) == 0
    assert main(["users", "remove", "carol"]) == 0
    assert users.list_users(path) == []
    assert main(["users", "remove", "carol"]) == 2


def _guess_in_parallel(tmp_path, monkeypatch, attempts: int, names: list[str], client: str | None):
    """``attempts`` simultaneous wrong passwords, each on its own connection (as separate sessions)."""
    import threading

    path = tmp_path / "users.json"
    for name in set(names):
        users.add_user(path, name, "analyst", PASSWORD, replace=True)
    connect_state(tmp_path / "state.sqlite").close()
    checked = []
    real_verify = users.verify_password

    def slow_verify(*args, **kwargs):  # the real check, held open so every attempt overlaps
        checked.append(args[1])
        time.sleep(0.3)
        return real_verify(*args, **kwargs)

    monkeypatch.setattr(users, "verify_password", slow_verify)
    barrier = threading.Barrier(attempts)
    results = []

    def attempt(name: str) -> None:
        con = connect_state(tmp_path / "state.sqlite")
        try:
            barrier.wait()
            results.append(users.authenticate(path, con, name, "wrong-guess", client=client).reason)
        finally:
            con.close()

    threads = [threading.Thread(target=attempt, args=(names[i % len(names)],)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return checked, results


def test_twelve_parallel_guesses_check_only_five_passwords(tmp_path, monkeypatch):
    checked, results = _guess_in_parallel(tmp_path, monkeypatch, 12, ["alice"], client=None)
    assert len(checked) == users.MAX_FAILURES
    # seven are refused unchecked; the five checked ones find the account locked by then, or not yet
    assert len(results) == 12 and set(results) <= {"invalid", "locked"}
    assert results.count("locked") >= 12 - users.MAX_FAILURES
    con = connect_state(tmp_path / "state.sqlite")
    assert users.recent_failures(con, "alice") == users.MAX_FAILURES
    assert users.authenticate(tmp_path / "users.json", con, "alice", PASSWORD).reason == "locked"
    con.close()


def test_one_client_address_is_locked_whatever_names_it_tries(tmp_path, monkeypatch):
    names = [f"user{i}" for i in range(users.MAX_FAILURES_PER_CLIENT + 5)]
    checked, _results = _guess_in_parallel(tmp_path, monkeypatch, len(names), names, client="203.0.113.9")
    assert len(checked) == users.MAX_FAILURES_PER_CLIENT
    con = connect_state(tmp_path / "state.sqlite")
    path = tmp_path / "users.json"
    # the address is locked even for a right password; the same account from elsewhere still works
    assert users.authenticate(path, con, "user0", PASSWORD, client="203.0.113.9").reason == "locked"
    assert users.authenticate(path, con, "user0", PASSWORD, client="198.51.100.7").reason == "ok"
    locked = [e for e in read_audit_log(con) if e["action"] == "sign_in_locked"]
    assert any(json.loads(e["detail"])["lock"] == "client" for e in locked)
    con.close()
