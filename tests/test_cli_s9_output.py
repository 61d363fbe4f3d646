"""`mailsec check` on names and domains nobody listed: special-use names, a null MX, the
rubric in the human output. The engine runs against an in-memory DNS (no network)."""

from __future__ import annotations

import json
import re

import pytest

from checks.cli import EXIT_NOT_CHECKED, EXIT_OK, main
from tests.test_freecheck_s9_results import NULL_MX, fake_dns
from tests.test_mx import FakeDns

OPTIONS = ["--resolver", "127.0.0.1:9", "--timeout", "0.3"]


@pytest.fixture(autouse=True)
def _no_lab_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MAILSEC_ALLOW_PRIVATE_TARGETS", "MAILSEC_EXTRA_PUBLIC_SUFFIXES"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    "name", ["printer.local", "db.internal", "router.home.arpa", "x.onion", "app.localhost"]
)
def test_special_use_names_are_refused_without_a_lookup(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # RFC 6761 §6, RFC 6762, RFC 8375, RFC 7686: nobody on the internet can look these up or
    # send mail to them; asking our resolver would only read our own network's answers. The
    # web form and API refuse them; so does the CLI, unless it is pointed at a lab.
    dns = FakeDns({})
    with fake_dns(dns):
        status = main([name, "--json", *OPTIONS])
    report = json.loads(capsys.readouterr().out)
    assert status == EXIT_NOT_CHECKED
    assert "is not on the internet" in report["error"]
    assert report["findings"] == [] and report["score"] is None
    assert dns.asked == []


def test_a_lab_may_check_special_use_names(capsys: pytest.CaptureFixture[str]) -> None:
    dns = FakeDns({})
    with fake_dns(dns):
        main(["mx.lab.internal", "--json", "--allow-private-targets", *OPTIONS])
    report = json.loads(capsys.readouterr().out)
    assert report["error"] == "" and report["findings"]
    assert dns.asked


def test_one_bad_name_among_good_ones(capsys: pytest.CaptureFixture[str]) -> None:
    # Every name gets its own object, in the order given; the bad one does not stop the rest.
    with fake_dns(FakeDns(NULL_MX)):
        status = main(["nomail.example.org", "printer.local", "NoMail.Example.ORG.", "--json"])
    lines = capsys.readouterr().out.splitlines()
    reports = [json.loads(line) for line in lines]
    assert [r["domain"] for r in reports] == [
        "nomail.example.org", "printer.local", "nomail.example.org"
    ]  # fmt: skip
    assert [bool(r["error"]) for r in reports] == [False, True, False]
    assert status == EXIT_NOT_CHECKED  # nothing failed; one name could not be checked


def test_a_domain_that_receives_no_mail_is_not_applicable_not_a_score(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with fake_dns(FakeDns(NULL_MX)):
        status = main(["nomail.example.org", *OPTIONS])
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert status == EXIT_OK
    assert "score n/a" in first and "/100" not in first
    assert "receives no mail (null MX, RFC 7505)" in out
    assert "75/100 for what applies: MX records, SPF, DMARC, DNSSEC" in out


def test_human_output_says_what_cost_how_many_points(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # docs/scoring.md: next to the score, which categories cost how many points.
    # A name that exists with nothing set up (NXDOMAIN has no score since s19z).
    with fake_dns(FakeDns({("gone.example.org", "TXT"): ['"x"']})):
        main(["gone.example.org", *OPTIONS])
    out = capsys.readouterr().out
    costs = re.search(r"^  points lost: (.*)$", out, re.MULTILINE)
    assert costs, out
    assert "MTA-STS −23.5 (not deployed: MTASTS-01)" in costs.group(1)
    assert "STARTTLS on the MX hosts −23.5 (failing: SMTP-01)" in costs.group(1)
    lost = [float(n) for n in re.findall(r"−([\d.]+)", costs.group(1))]
    assert abs(sum(lost) - 100) < 0.5  # the score is 0
    assert re.search(r"^  not counted: DKIM \(not deployed, not scored\)", out, re.MULTILINE)


def test_a_mechanism_that_is_not_deployed_shows_the_record_to_publish(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # No DMARC or MTA-STS record is an `info` finding that costs the category's points: the
    # human output must print its fix (the record to publish) as it does under fail and warn.
    # A name that exists with nothing set up (NXDOMAIN has no score since s19z).
    with fake_dns(FakeDns({("gone.example.org", "TXT"): ['"x"']})):
        main(["gone.example.org", *OPTIONS])
    out = capsys.readouterr().out
    fixes = [line.strip() for line in out.splitlines() if line.strip().startswith("fix:")]
    assert any(line.startswith('fix: _dmarc.gone.example.org. TXT "v=DMARC1;') for line in fixes)
    # No MX record at all: no policy to propose until the MX records are there (MX-01).
    assert any(line.startswith("fix: Fix the MX records first") for line in fixes)
    assert any(line.startswith("fix: _smtp._tls.gone.example.org. TXT") for line in fixes)
    # A note that cost nothing (no DANE, not held against the domain) stays a single line.
    dane = out[out.index("\n  DANE\n") : out.index("\n  BIMI\n")]
    assert "DANE-01" in dane and "fix:" not in dane
