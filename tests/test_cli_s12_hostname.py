"""`mailsec check mta-sts.example.org` reads _mta-sts.mta-sts.example.org, which nobody
publishes: the output says the name looks like a host of example.org (one line; a JSON key),
by the rule the Domains page and the free check use (checks.domainname.host_name_parent)."""

from __future__ import annotations

import json

import pytest

from checks import domainname
from checks.cli import main
from tests.test_freecheck_s9_results import NULL_MX, fake_dns
from tests.test_mx import FakeDns

OPTIONS = ["--resolver", "127.0.0.1:9", "--timeout", "0.3"]


@pytest.fixture(autouse=True)
def _no_lab_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MAILSEC_ALLOW_PRIVATE_TARGETS", "MAILSEC_EXTRA_PUBLIC_SUFFIXES"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("name", "parent"),
    [
        ("mta-sts.example.org", "example.org"),
        ("www.example.org", "example.org"),
        ("WWW.Example.ORG.", "example.org"),
        ("mta-sts.xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("www.mail.example.co.uk", "mail.example.co.uk"),
        ("mail.example.org", None),
        ("wwww.example.org", None),
        ("www.co.uk", None),  # co.uk is a public suffix: nobody's mail domain
        ("www.com", None),
        ("mta-sts.org", None),
    ],
)
def test_the_host_label_rule(name: str, parent: str | None) -> None:
    assert domainname.host_name_parent(name) == parent


def test_the_rule_takes_the_labs_suffixes() -> None:
    assert domainname.host_name_parent("www.lab.test", extra_public_suffixes=("lab.test",)) is None
    assert domainname.host_name_parent("www.f01.lab.test", ("test", "lab.test")) == "f01.lab.test"


def test_the_human_output_says_it_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with fake_dns(FakeDns({})):
        main(["mta-sts.example.org", *OPTIONS])
    out = capsys.readouterr().out
    notes = [line for line in out.splitlines() if "looks like a host name" in line]
    assert notes == [
        "  note: mta-sts.example.org looks like a host name, not the domain after the @ in email "
        "addresses: for mail to …@example.org, check example.org instead"
    ]
    # Right under the score line.
    assert out.splitlines()[1] == notes[0]


def test_the_json_output_has_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    with fake_dns(FakeDns(NULL_MX)):
        main(["www.nomail.example.org", "nomail.example.org", "--json", *OPTIONS])
    host, domain = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert host["looks_like_host_of"] == "nomail.example.org"
    assert domain["looks_like_host_of"] is None


def test_a_name_refused_before_any_lookup_gets_no_note(capsys: pytest.CaptureFixture[str]) -> None:
    with fake_dns(FakeDns({})):
        main(["www.printer.local", *OPTIONS])
    out = capsys.readouterr().out
    assert "could not check" in out and "looks like a host name" not in out
    with fake_dns(FakeDns({})):
        main(["www.printer.local", "--json", *OPTIONS])
    assert json.loads(capsys.readouterr().out)["looks_like_host_of"] is None


def test_a_plain_domain_gets_no_note(capsys: pytest.CaptureFixture[str]) -> None:
    with fake_dns(FakeDns(NULL_MX)):
        main(["nomail.example.org", *OPTIONS])
    assert "looks like a host name" not in capsys.readouterr().out
