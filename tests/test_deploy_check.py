from __future__ import annotations

import secrets
from pathlib import Path


def production_env(data_dir: Path) -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "mailsec.example",
        "SITE_ROOT": "https://mailsec.example",
        "EMAIL_URL": "smtp+tls://mailer:pw@smtp.example",
        "DATABASE_URL": f"sqlite:///{data_dir}/mailsec.sqlite3",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "MAILSEC_DATA_DIR": str(data_dir),
    }


def test_check_deploy_is_clean_under_production_settings(run_manage, tmp_path: Path) -> None:
    done = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_production_refuses_plain_http_site_root(run_manage, tmp_path: Path) -> None:
    env = production_env(tmp_path) | {"SITE_ROOT": "http://mailsec.example"}
    done = run_manage("check", env=env)
    assert done.returncode != 0
    assert "must start with https://" in done.stderr


def test_production_reads_secret_key_file(run_manage, tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(secrets.token_urlsafe(50))
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    env["SECRET_KEY_FILE"] = str(key_file)
    done = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
