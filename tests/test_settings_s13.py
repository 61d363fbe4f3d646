"""Settings that refuse to start in production rather than fall back to development defaults:
an unset DEBUG in a production environment, a weak SECRET_KEY, and a missing DATABASE_URL or
REDIS_URL with DEBUG off. Each case runs the settings in a subprocess with exactly the
environment given (tests/conftest.py run_manage)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from mailsec import env

PRINT_SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'])"
)
CHOOSE_DEBUG = "Set DEBUG=0 for production or DEBUG=1 for development."


def strong_key() -> str:
    return secrets.token_urlsafe(50)


def production_env(data_dir: Path) -> dict[str, str]:
    """What the security review ran: a real production env file, complete."""
    return {
        "DEBUG": "0",
        "SECRET_KEY": strong_key(),
        "SITE_ROOT": "https://mailsec.example",
        "ALLOWED_HOSTS": "mailsec.example",
        "EMAIL_URL": "smtp+tls://mailer:relay-password@smtp.example:587",
        "DATABASE_URL": f"sqlite:///{data_dir}/prod.sqlite3",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "MAILSEC_DATA_DIR": str(data_dir),
    }


def started_settings(done) -> str:
    """The line PRINT_SETTINGS printed, after asserting the process started."""
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


# --- DEBUG unset in a production environment ------------------------------------------------


def test_it_refuses_an_env_file_without_a_debug_line(run_manage, tmp_path: Path) -> None:
    environment = production_env(tmp_path)
    del environment["DEBUG"]
    done = run_manage("check", env=environment)
    assert done.returncode != 0
    assert CHOOSE_DEBUG in done.stderr
    # The message names what it saw, but never the relay's password or the key.
    assert "SITE_ROOT='https://mailsec.example'" in done.stderr
    assert "relay-password" not in done.stderr
    assert environment["SECRET_KEY"] not in done.stderr


@pytest.mark.parametrize(
    "signal",
    [
        {"SITE_ROOT": "https://mailsec.example"},
        {"EMAIL_URL": "smtp+ssl://mailer:pw@smtp.example:465"},
        {"SECRET_KEY": "k" * 10 + secrets.token_urlsafe(50)},
        {"SECRET_KEY_FILE": "/nonexistent/secret_key"},
    ],
    ids=["https-site-root", "smtp-email-url", "secret-key", "secret-key-file"],
)
def test_it_refuses_to_guess_debug_from_any_one_production_sign(
    run_manage, tmp_path: Path, signal: dict[str, str]
) -> None:
    done = run_manage("check", env={"MAILSEC_DATA_DIR": str(tmp_path), **signal})
    assert done.returncode != 0
    assert CHOOSE_DEBUG in done.stderr


def test_it_runs_in_development_when_debug_is_written_out(run_manage, tmp_path: Path) -> None:
    # A developer with a mail catcher and an https tunnel says DEBUG=1 and gets development.
    environment = {
        "MAILSEC_DATA_DIR": str(tmp_path),
        "DEBUG": "1",
        "SITE_ROOT": "https://dev.example",
        "EMAIL_URL": "smtp://127.0.0.1:1025",
    }
    done = run_manage("shell", "-c", PRINT_SETTINGS, env=environment)
    assert started_settings(done).startswith("True ")


@pytest.mark.parametrize(
    "development",
    [
        {},
        {"SITE_ROOT": "http://127.0.0.1:8000", "EMAIL_URL": "console://"},
        {"EMAIL_URL": "locmem://"},
    ],
    ids=["nothing-set", "http-and-console", "locmem"],
)
def test_it_keeps_debug_on_by_default_without_production_signs(
    run_manage, tmp_path: Path, development: dict[str, str]
) -> None:
    done = run_manage(
        "shell", "-c", PRINT_SETTINGS, env={"MAILSEC_DATA_DIR": str(tmp_path), **development}
    )
    assert started_settings(done) == (
        "True django.db.backends.sqlite3 django.core.cache.backends.filebased.FileBasedCache"
    )


def test_the_ci_environment_still_starts_in_debug(run_manage, tmp_path: Path) -> None:
    # .ci/run sets DATABASE_URL, REDIS_URL and CI and no DEBUG: those are not production signs.
    environment = {
        "MAILSEC_DATA_DIR": str(tmp_path),
        "CI": "true",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    done = run_manage("shell", "-c", PRINT_SETTINGS, env=environment)
    assert started_settings(done) == "True django.db.backends.postgresql mailsec.cache.Redis"


def test_production_signals_name_what_they_saw() -> None:
    assert env.production_signals({}) == []
    assert (
        env.production_signals({"SITE_ROOT": "http://x.example", "EMAIL_URL": "console://"}) == []
    )
    assert env.production_signals(
        {"SITE_ROOT": "HTTPS://x.example", "EMAIL_URL": "smtp://u:secret@relay", "SECRET_KEY": "k"}
    ) == ["SITE_ROOT='HTTPS://x.example'", "EMAIL_URL=smtp://…", "SECRET_KEY set"]
    # DATABASE_URL and REDIS_URL are what CI sets: never a sign of production.
    assert (
        env.production_signals({"DATABASE_URL": "postgres://h/d", "REDIS_URL": "redis://h"}) == []
    )


# --- SECRET_KEY strength with DEBUG off -----------------------------------------------------


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("abc", "has 3 characters, fewer than 50"),
        ("abcd" * 20, "has 4 distinct characters, fewer than 5"),
        ("django-insecure-" + secrets.token_urlsafe(50), "starts with 'django-insecure-'"),
    ],
    ids=["short", "few-distinct", "django-insecure"],
)
def test_production_refuses_a_weak_secret_key(
    run_manage, tmp_path: Path, key: str, reason: str
) -> None:
    done = run_manage("check", env=production_env(tmp_path) | {"SECRET_KEY": key})
    assert done.returncode != 0
    assert f"SECRET_KEY is too weak for DEBUG off: the key {reason}" in done.stderr
    assert 'python3 -c "import secrets; print(secrets.token_urlsafe(50))"' in done.stderr
    assert f"'{key}'" not in done.stderr


def test_production_refuses_a_weak_secret_key_file(run_manage, tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text("changeme\n")
    environment = production_env(tmp_path)
    del environment["SECRET_KEY"]
    done = run_manage("check", env=environment | {"SECRET_KEY_FILE": str(key_file)})
    assert done.returncode != 0
    assert "SECRET_KEY_FILE is too weak for DEBUG off: the key has 8 characters" in done.stderr


def test_production_accepts_a_generated_key(run_manage, tmp_path: Path) -> None:
    done = run_manage("shell", "-c", PRINT_SETTINGS, env=production_env(tmp_path))
    assert started_settings(done) == "False django.db.backends.sqlite3 mailsec.cache.Redis"


def test_development_keeps_any_key_it_is_given(run_manage, tmp_path: Path) -> None:
    environment = {"MAILSEC_DATA_DIR": str(tmp_path), "DEBUG": "1", "SECRET_KEY": "dev"}
    done = run_manage("shell", "-c", PRINT_SETTINGS, env=environment)
    assert started_settings(done).startswith("True ")


def test_secret_key_weakness_follows_djangos_w009() -> None:
    assert env.secret_key_weakness(secrets.token_urlsafe(50)) is None
    # The limits themselves: 50 characters and 5 distinct ones pass, one fewer does not.
    assert env.secret_key_weakness("x" * 46 + "abcd") is None
    assert env.secret_key_weakness("x" * 45 + "abcd") == "has 49 characters, fewer than 50"
    assert env.secret_key_weakness("ab" * 40) == "has 2 distinct characters, fewer than 5"
    assert env.secret_key_weakness("django-insecure-" + "x" * 60) is not None


# --- DATABASE_URL and REDIS_URL with DEBUG off ----------------------------------------------


def test_production_refuses_to_fall_back_to_sqlite(run_manage, tmp_path: Path) -> None:
    environment = production_env(tmp_path)
    del environment["DATABASE_URL"]
    done = run_manage("check", env=environment)
    assert done.returncode != 0
    assert "DATABASE_URL must be set when DEBUG is off" in done.stderr
    assert "sqlite:////absolute/path/mailsec.sqlite3 written out" in done.stderr


def test_production_refuses_the_embedded_broker_and_cache(run_manage, tmp_path: Path) -> None:
    environment = production_env(tmp_path)
    del environment["REDIS_URL"]
    done = run_manage("check", env=environment)
    assert done.returncode != 0
    assert "REDIS_URL (e.g. redis://127.0.0.1:6379/0) must be set when DEBUG is off" in done.stderr
    assert not (tmp_path / "broker").exists()
