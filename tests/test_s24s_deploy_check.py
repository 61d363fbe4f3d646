"""Round s24s: the lab's MAILSEC_ALLOW_PRIVATE_TARGETS does not pass the deployment check.

The setting is off by default, an environment variable only (no page or API turns it on), and
refused loudly when it is no boolean. But it was silent when on: the README's lab recipe
exports it, and an environment file that kept it let every anonymous free check make the
server connect to its own network (SMTP on port 25 and HTTPS GETs of any path on port 443 of
private, loopback and link-local addresses, 169.254.169.254 included). `manage.py check
--deploy --fail-level WARNING`, the documented gate for a production environment
(docs/configuration.md), now fails on it, naming the variable.
"""

from __future__ import annotations

from pathlib import Path

from tests.test_deploy_check import production_env


def test_the_deployment_check_fails_with_private_targets_allowed(
    run_manage, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    env = production_env(tmp_path) | {"MAILSEC_ALLOW_PRIVATE_TARGETS": "1"}
    done = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "freecheck.W001" in done.stderr
    assert "MAILSEC_ALLOW_PRIVATE_TARGETS" in done.stderr


def test_the_setting_off_leaves_the_deployment_check_clean(run_manage, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = production_env(tmp_path) | {"MAILSEC_ALLOW_PRIVATE_TARGETS": "0"}
    done = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_development_check_only_warns(run_manage, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # `make run` against the lab: the plain check (what runserver runs) says nothing.
    env = {"MAILSEC_ALLOW_PRIVATE_TARGETS": "1", "MAILSEC_DATA_DIR": str(tmp_path)}
    done = run_manage("check", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "freecheck.W001" not in done.stdout + done.stderr
