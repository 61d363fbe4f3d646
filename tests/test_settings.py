from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from mailsec import env


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("X", "X_FILE"):
        monkeypatch.delenv(name, raising=False)


def test_env_bool_reads_the_usual_words(monkeypatch: pytest.MonkeyPatch) -> None:
    for word, expected in [("1", True), ("TRUE", True), ("yes", True), ("on", True),
                           ("0", False), ("false", False), ("No", False), ("off", False)]:  # fmt: skip
        monkeypatch.setenv("X", word)
        assert env.env_bool("X", default=not expected) is expected


def test_env_bool_uses_default_when_unset_or_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    assert env.env_bool("X", default=True) is True
    monkeypatch.setenv("X", "  ")
    assert env.env_bool("X", default=False) is False


def test_env_bool_rejects_maybe_naming_variable_and_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"X='maybe' is not valid"):
        env.env_bool("X", default=False)


def test_env_int_and_float_reject_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X", "ten")
    with pytest.raises(ImproperlyConfigured, match="X='ten'"):
        env.env_int("X", 1)
    with pytest.raises(ImproperlyConfigured, match="X='ten'"):
        env.env_float("X", 1.0)
    monkeypatch.setenv("X", "nan")
    with pytest.raises(ImproperlyConfigured, match="finite"):
        env.env_float("X", 1.0)
    monkeypatch.setenv("X", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env.env_int("X", 5, minimum=1)
    monkeypatch.setenv("X", "2.5")
    assert env.env_float("X", 1.0) == 2.5


def test_env_list_splits_on_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X", " test, lab.test ,, ")
    assert env.env_list("X") == ["test", "lab.test"]
    monkeypatch.delenv("X")
    assert env.env_list("X", ["a"]) == ["a"]


def test_env_secret_reads_the_file_variant(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("X_FILE", str(secret))
    assert env.env_secret("X") == "s3cret"
    monkeypatch.setenv("X", "other")
    with pytest.raises(ImproperlyConfigured, match="either X or X_FILE"):
        env.env_secret("X")
    monkeypatch.delenv("X")
    monkeypatch.setenv("X_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env.env_secret("X")


def test_env_url_requires_scheme_and_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X", "https://mailsec.example/")
    assert env.env_url("X", schemes=("https",)) == "https://mailsec.example"
    monkeypatch.setenv("X", "mailsec.example")
    with pytest.raises(ImproperlyConfigured, match="X='mailsec.example'"):
        env.env_url("X", schemes=("https",))


def test_parse_host_port_forms() -> None:
    assert env.parse_host_port("R", "127.0.0.53", 53) == ("127.0.0.53", 53)
    assert env.parse_host_port("R", "127.0.0.53:5353", 53) == ("127.0.0.53", 5353)
    assert env.parse_host_port("R", "[::1]:5353", 53) == ("::1", 5353)
    assert env.parse_host_port("R", "::1", 53) == ("::1", 53)
    assert env.parse_host_port("R", "resolver.lab.test:53", 53) == ("resolver.lab.test", 53)
    for bad in ("127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:dns", ":53", "[::1"):
        with pytest.raises(ImproperlyConfigured, match="R="):
            env.parse_host_port("R", bad, 53)


def test_resolvers_must_be_ip_addresses() -> None:
    assert env.parse_host_port("R", "127.0.0.53:5353", 53, ip_only=True) == ("127.0.0.53", 5353)
    assert env.parse_host_port("R", "[::1]", 53, ip_only=True) == ("::1", 53)
    for bad in ("resolver.lab.test:53", "bogus", "[dns.example]:53"):
        with pytest.raises(ImproperlyConfigured, match="R=.*an IP address"):
            env.parse_host_port("R", bad, 53, ip_only=True)


def test_a_resolver_name_stops_start_up(run_manage, tmp_path: Path) -> None:
    # The engine cannot send to a name: it used to start and fail every check instead.
    done = run_manage(
        "check", env={"MAILSEC_DATA_DIR": str(tmp_path), "MAILSEC_RESOLVER": "dns.example:53"}
    )
    assert done.returncode != 0
    assert "MAILSEC_RESOLVER='dns.example:53' is not valid" in done.stderr


def test_parse_database_url_sqlite() -> None:
    assert env.parse_database_url("D", "sqlite:////abs/db.sqlite3")["NAME"] == "/abs/db.sqlite3"
    assert env.parse_database_url("D", "sqlite:///rel.sqlite3")["NAME"] == "rel.sqlite3"
    assert env.parse_database_url("D", "sqlite:///:memory:")["NAME"] == ":memory:"
    # A SQLite file named in the URL is shared by web, worker and beat like the default one.
    options = env.parse_database_url("D", "sqlite:///rel.sqlite3")["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "synchronous=FULL" in options["init_command"]


def test_parse_database_url_postgres() -> None:
    db = env.parse_database_url(
        "D", "postgres://u%40x:p%2Fw@db.example:6432/mailsec?sslmode=require"
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "u@x", "p/w", "db.example", "6432", "mailsec"
    )  # fmt: skip
    assert db["OPTIONS"] == {
        "sslmode": "require",
        "server_side_binding": True,
        "prepare_threshold": 5,
    }
    assert db["CONN_MAX_AGE"] == 60 and db["CONN_HEALTH_CHECKS"] is True
    pooled = env.parse_database_url("D", "postgres://h/m?prepare_threshold=none")
    assert pooled["OPTIONS"]["prepare_threshold"] is None
    assert env.parse_database_url("D", "postgres://h/m?prepare_threshold=0")["OPTIONS"] == {
        "server_side_binding": True,
        "prepare_threshold": 0,
    }
    for bad in ("lots", "\u00b2"):
        with pytest.raises(ImproperlyConfigured, match="prepare_threshold"):
            env.parse_database_url("D", f"postgres://h/m?prepare_threshold={bad}")
    unbound = env.parse_database_url("D", "postgres://h/m?server_side_binding=false")
    assert unbound["OPTIONS"]["server_side_binding"] is False
    assert (
        env.parse_database_url("D", "postgres://h/m?server_side_binding=True")["OPTIONS"][
            "server_side_binding"
        ]
        is True
    )
    with pytest.raises(ImproperlyConfigured, match="server_side_binding"):
        env.parse_database_url("D", "postgres://h/m?server_side_binding=1")
    sock = env.parse_database_url("D", "postgresql://%2Fvar%2Frun%2Fpostgresql/mailsec")
    assert sock["HOST"] == "/var/run/postgresql" and sock["PORT"] == ""


def test_parse_database_url_rejects_bad_urls() -> None:
    for bad in (
        "mysql://u@h/db",
        "postgres://u@h",
        "postgres://u@h:port/db",
        "sqlite://host/x",
        "sqlite://",
    ):
        with pytest.raises(ImproperlyConfigured, match="D="):
            env.parse_database_url("D", bad)


def test_parse_email_url() -> None:
    smtp = env.parse_email_url("E", "smtp+tls://me%40x.example:pw@mail.example")
    assert smtp["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (smtp["EMAIL_HOST"], smtp["EMAIL_PORT"], smtp["EMAIL_HOST_USER"]) == (
        "mail.example",
        587,
        "me@x.example",
    )
    assert smtp["EMAIL_USE_TLS"] is True and smtp["EMAIL_USE_SSL"] is False
    assert env.parse_email_url("E", "smtp+ssl://mail.example")["EMAIL_PORT"] == 465
    assert env.parse_email_url("E", "smtp://localhost:2525")["EMAIL_PORT"] == 2525
    assert env.parse_email_url("E", "console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    assert env.parse_email_url("E", "locmem://")["EMAIL_BACKEND"].endswith("locmem.EmailBackend")
    for bad in ("http://mail.example", "smtp://", "smtp://h:port"):
        with pytest.raises(ImproperlyConfigured, match="E="):
            env.parse_email_url("E", bad)


def test_stored_secret_key_is_created_once(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "secret_key"
    key = env.stored_secret_key(path)
    assert len(key) >= 50
    assert env.stored_secret_key(path) == key
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]


def test_embedded_default_boots_with_an_empty_environment(run_manage, tmp_path: Path) -> None:
    data = tmp_path / "data"
    # With the database's own checks, as migrate and runserver run them: make run's first
    # screen shows no warning (models.W040 is silenced on SQLite, mailsec/settings.py).
    done = run_manage("check", "--database", "default", env={"MAILSEC_DATA_DIR": str(data)})
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout, done.stdout + done.stderr
    done = run_manage("migrate", "--noinput", env={"MAILSEC_DATA_DIR": str(data)})
    assert done.returncode == 0, done.stderr
    assert (data / "mailsec.sqlite3").is_file()
    assert (data / "secret_key").is_file()
    assert (data / "broker" / "queue").is_dir() and (data / "broker" / "control").is_dir()
    # Reports are acknowledged after their commit: the commit must survive a power loss.
    pragmas = (
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    print([c.execute(f'PRAGMA {p}').fetchone()[0] for p in ('journal_mode', 'synchronous')])"
    )
    done = run_manage("shell", "-c", pragmas, env={"MAILSEC_DATA_DIR": str(data)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "['wal', 2]"  # 2 is FULL


def test_a_bad_value_stops_start_up_with_a_clear_message(run_manage, tmp_path: Path) -> None:
    done = run_manage("check", env={"MAILSEC_DATA_DIR": str(tmp_path), "DEBUG": "maybe"})
    assert done.returncode != 0
    assert "DEBUG='maybe' is not valid" in done.stderr


def test_production_requires_secret_key_and_site_root(run_manage, tmp_path: Path) -> None:
    done = run_manage("check", env={"MAILSEC_DATA_DIR": str(tmp_path), "DEBUG": "0"})
    assert done.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set" in done.stderr
    assert not (tmp_path / "secret_key").exists()
