"""s42k: what blind round s42k (tests/test_cli_api_s42k_blind.py) found in `mailsec check` run
over an MSP's list of names.

- The same domain named twice (in capitals, with the root's dot, as U-label and A-label: a names
  file kept by hand) was checked once per mention, all at once: each extra check probed the same
  MX hosts again at the same moment. It is checked once; the output keeps one object per name
  given, in the order given (test_cli_s9_output's contract), the same report each time.
- `--concurrency 0` (or -3) ran as 1, silently: a usage error like `--timeout 0` (exit 64).
- A `--ca-bundle` (or MAILSEC_CA_BUNDLE) holding no certificate was taken: every certificate
  then read "not trusted", so the run's exit status was 1 (fail) for the configuration's
  fault, not the domains'. It is a configuration error (64), as a bundle that does not exist.
"""

from __future__ import annotations

import json
import os
import ssl
from pathlib import Path
from typing import Any

import pytest

from checks import cli
from checks.cli import EXIT_OK, EXIT_USAGE, main
from checks.config import CheckConfig, ConfigError
from checks.findings import DomainReport


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No network: the engine is replaced by one that records the names it is given."""
    names: list[str] = []

    async def check_domain(domain: str, config: CheckConfig) -> DomainReport:
        names.append(domain)
        return DomainReport(domain=domain.lower().rstrip("."), started_at="2026-12-05T00:00:00Z")

    async def check_resolvers(config: CheckConfig, targets: object) -> list[object]:
        return []

    monkeypatch.setattr(cli, "check_domain", check_domain)
    monkeypatch.setattr(cli, "check_resolvers", check_resolvers)
    for name in ("MAILSEC_CA_BUNDLE", "MAILSEC_RESOLVER", "MAILSEC_EXTRA_PUBLIC_SUFFIXES"):
        monkeypatch.delenv(name, raising=False)
    return names


def test_a_domain_named_several_ways_is_checked_once(
    checked: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--json", "--resolver", "127.0.0.1:9", "example.com", "EXAMPLE.COM.", "bücher.de"]
    argv += ["example.net", "XN--BCHER-KVA.DE", "example.com", "Bücher.de."]
    assert main(argv) == EXIT_OK
    assert checked == ["example.com", "bücher.de", "example.net"]  # first mention, in order
    # Still one object per name given, in the order given (as test_cli_s9_output's), each the
    # report of the one check of its domain.
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 7
    assert len({lines[0], lines[1], lines[5]}) == 1
    assert len({lines[2], lines[4], lines[6]}) == 1


def test_an_invalid_name_given_twice_is_said_once(
    checked: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--json", "--resolver", "127.0.0.1:9", "#clients", "example.com", "#clients"]) == 2
    reports = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["domain"] for r in reports] == ["#clients", "example.com", "#clients"]
    assert reports[0]["error"] and reports[0] == reports[2]
    assert checked == ["example.com"]


@pytest.mark.parametrize("value", ["0", "-3", "many", "2.5"])
def test_concurrency_must_be_a_whole_number_of_one_or_more(
    value: str, checked: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--concurrency", value, "--resolver", "127.0.0.1:9", "example.com"])
    assert exited.value.code == EXIT_USAGE
    assert "--concurrency" in capsys.readouterr().err
    assert checked == []


def test_concurrency_one_checks_every_domain(checked: list[str]) -> None:
    assert main(["--concurrency", "1", "--resolver", "127.0.0.1:9", "a.com", "b.com"]) == EXIT_OK
    assert sorted(checked) == ["a.com", "b.com"]


def _bundle() -> str:
    paths = ssl.get_default_verify_paths()
    for path in (paths.cafile, paths.openssl_cafile, "/etc/ssl/certs/ca-certificates.crt"):
        if path and os.path.isfile(path):
            return path
    import certifi

    return certifi.where()


@pytest.mark.parametrize(
    "content", [b"this is not a certificate\n", b"", b"-----BEGIN CERTIFICATE-----\nAAAA\n"]
)
def test_a_ca_bundle_with_no_certificate_is_a_configuration_error(
    content: bytes, tmp_path: Path, checked: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "roots.pem"
    bundle.write_bytes(content)
    with pytest.raises(SystemExit) as exited:
        main(["--ca-bundle", str(bundle), "--resolver", "127.0.0.1:9", "example.com"])
    assert exited.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"--ca-bundle {bundle}: no CA certificate in it" in err
    assert checked == []


def test_the_environments_ca_bundle_with_no_certificate_is_refused_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "roots.pem"
    bundle.write_text("not PEM\n")
    monkeypatch.setenv("MAILSEC_CA_BUNDLE", str(bundle))
    with pytest.raises(ConfigError, match="MAILSEC_CA_BUNDLE=.*no CA certificate in it"):
        CheckConfig.from_env()


def test_a_real_bundle_is_taken(checked: list[str]) -> None:
    argv = ["--ca-bundle", _bundle(), "--resolver", "127.0.0.1:9", "example.com"]
    assert main(argv) == EXIT_OK
    assert checked == ["example.com"]


def test_the_web_app_will_not_start_with_such_a_bundle(run_manage: Any, tmp_path: Path) -> None:
    # The worker would check every team's domains against no trusted root: each policy host
    # and MX certificate "not trusted", failures and alerts that are the configuration's.
    bundle = tmp_path / "roots.pem"
    bundle.write_text("not PEM\n")
    env = {"MAILSEC_DATA_DIR": str(tmp_path), "MAILSEC_CA_BUNDLE": str(bundle)}
    done = run_manage("check", env=env)
    assert done.returncode != 0
    assert f"MAILSEC_CA_BUNDLE={str(bundle)!r}: no CA certificate in it" in done.stderr
    assert run_manage("check", env={**env, "MAILSEC_CA_BUNDLE": _bundle()}).returncode == 0
