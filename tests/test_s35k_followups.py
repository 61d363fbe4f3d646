"""Task s35k: small follow-ups from other helpers' work this session.

1. `mailsec check` warned only about a resolver that does not validate DNSSEC; one that is
   "down" (checks.vantage since s35o: no answer or SERVFAIL twice, or NXDOMAIN for the signed
   zone) said nothing, and every "could not check" (or "does not exist") below read as the
   domain's. stderr now says plainly that those results are the resolver's doing.
2. A report entry whose policy-type is unknown (`no_policy_found`, underscores) and that has no
   policy-string got the note "no policy-string (as Microsoft and mail.ru send)", which is
   about sts and tlsa entries (RFC 8460 §4.4: the policy-string encodes the applied policy;
   checklist RPT-05). For an unknown type nothing says whether it should hold one: the
   warning that the type is unknown (RPT-04) is all there is to say.
3. A summary count written 120.00000000000000001 was quoted "the number 120.0" (the float it
   decodes to): the warning now quotes what the sender wrote.
4. SMTP-11 for the owner's MX name pointing (A record) at a server whose certificate names a
   host of another organisation: as for an alias (CNAME) of such a server, pointing the MX at
   the name the certificate gives is offered, as an option (if the server is the provider's).
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

from checks import starttls
from checks.cli import main, resolver_warning
from checks.findings import Finding
from checks.vantage import ResolverAnswer, Verdict
from reports.parse import parse_report
from tests.test_domains import stub_dns
from tests.test_engine_s35e_smtp import (
    HOSTER,
    OWN_MX,
    D,
    _only,
    _smtp,
    _tls_probe,
    _zone,
)
from tests.test_vantage_s19p import counting_resolver  # noqa: F401 (fixture)

# --- 1. the CLI and a resolver that is down ---------------------------------------------------

DOWN = ResolverAnswer(
    Verdict.DOWN,
    "does not answer: TIMEOUT for isc.org DNSKEY (no answer from our resolver within 8 s), "
    "twice; every check through it says 'could not check'",
    resolver="10.0.0.2:53",
)
LIAR = ResolverAnswer(
    Verdict.DOWN,
    "says isc.org does not exist (NXDOMAIN), as a resolver that does not see the public DNS does",
    resolver="10.0.0.3:53",
    nxdomain=True,
)
GOOD = ResolverAnswer(Verdict.OK, "validates DNSSEC", resolver="10.0.0.4:53")


def test_a_resolver_that_does_not_answer_is_said_to_be_why_nothing_could_be_checked() -> None:
    line = resolver_warning([DOWN])
    assert line.startswith("warning: DNS resolver 10.0.0.2:53 does not answer: TIMEOUT"), line
    assert (
        "every 'could not check' below is your resolver's doing, not the domain's: check "
        "again through a resolver that answers (--resolver HOST:PORT)"
    ) in line
    assert "\n" not in line


def test_a_resolver_that_says_nothing_exists_is_said_to_be_why_a_domain_does_not() -> None:
    line = resolver_warning([LIAR])
    assert line.startswith("warning: DNS resolver 10.0.0.3:53 says isc.org does not exist"), line
    assert (
        "a domain below that reads as not existing, and every 'could not check', is your "
        "resolver's doing, not the domain's: check again through a resolver that sees the "
        "public DNS (--resolver HOST:PORT)"
    ) in line


def test_one_resolver_down_among_others_is_named_without_blaming_every_result() -> None:
    line = resolver_warning([DOWN, GOOD])
    assert line.startswith("warning: DNS resolver 10.0.0.2:53 does not answer"), line
    assert "the other resolvers were asked in its place" in line
    assert "every 'could not check' below is" not in line


def test_down_and_not_validating_are_both_said_on_one_line() -> None:
    broken = ResolverAnswer(Verdict.BROKEN, "does not validate DNSSEC: x", resolver="10.0.0.5:53")
    line = resolver_warning([DOWN, broken])
    assert "10.0.0.2:53 does not answer" in line and "10.0.0.5:53 does not validate" in line
    assert line.endswith("DNSSEC and DANE results are unreliable"), line
    assert line.count("warning:") == 1 and "\n" not in line


def test_a_well_resolver_or_one_that_could_not_be_told_says_nothing() -> None:
    assert resolver_warning([GOOD]) == ""
    assert resolver_warning([ResolverAnswer(Verdict.UNKNOWN, "could not tell")]) == ""


def test_the_cli_says_a_servfail_resolver_is_why_nothing_could_be_checked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with stub_dns({}, servfail=True) as address:
        status = main(["example.org", "--resolver", address, "--timeout", "2"])
    captured = capsys.readouterr()
    assert status == 2  # could not check: unchanged
    assert f"warning: DNS resolver {address} cannot resolve names that exist" in captured.err
    assert "every 'could not check' below is your resolver's doing" in captured.err


def test_the_cli_says_a_resolver_that_answers_nxdomain_is_why_a_domain_does_not_exist(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with stub_dns({}) as address:  # NXDOMAIN for every name
        main(["example.org", "--resolver", address, "--timeout", "2"])
    captured = capsys.readouterr()
    assert "does not exist" in captured.out
    assert "a domain below that reads as not existing" in captured.err, captured.err


def test_the_cli_says_a_silent_resolver_is_why_nothing_could_be_checked(
    counting_resolver: tuple[str, socket.socket],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Nothing answers the checks either: they end after their timeouts, by which time the
    # self-check (two tries of its lookup) has its verdict.
    address, _ = counting_resolver
    status = main(["example.org", "--resolver", address, "--timeout", "1"])
    captured = capsys.readouterr()
    assert status == 2
    assert f"warning: DNS resolver {address} does not answer" in captured.err, captured.err
    assert "every 'could not check' below is your resolver's doing" in captured.err


# --- 2 and 3. reports -------------------------------------------------------------------------


def _report(policy: dict[str, Any], successful: Any = 300) -> dict[str, Any]:
    return {
        "organization-name": "Sender Example Mail Ltd.",
        "date-range": {
            "start-datetime": "2026-06-01T00:00:00Z",
            "end-datetime": "2026-06-01T23:59:59Z",
        },
        "contact-info": "smtp-tls-reporting@sender.example",
        "report-id": "2026-06-01T00:00:00Z_example.com",
        "policies": [
            {
                "policy": policy,
                "summary": {
                    "total-successful-session-count": successful,
                    "total-failure-session-count": 0,
                },
            }
        ],
    }


def _read(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    """(warnings, notes) of both readers (whole document, streamed), once they agree."""
    whole = parse_report(data, report_domain="example.com")
    with monkeypatch.context() as m:
        m.setattr("reports.parse.SMALL_REPORT_BYTES", 0)
        streamed = parse_report(data, report_domain="example.com")
    assert (streamed.warnings, streamed.notes) == (whole.warnings, whole.notes)
    return whole.warnings, whole.notes


@pytest.mark.parametrize("policy_type", ["no_policy_found", "dane", "STS"])
def test_an_unknown_policy_type_without_policy_string_is_only_warned_unknown(
    policy_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.dumps(_report({"policy-type": policy_type, "policy-domain": "example.com"}))
    warnings, notes = _read(data.encode(), monkeypatch)
    # Said with its entry since s36r (tests/test_reports_s36r_parse.py).
    assert warnings == [
        f"policies[0]: unknown policy-type {policy_type!r} (RFC 8460 §4.4); kept as sent"
    ]
    assert notes == []


def test_a_missing_policy_type_gets_no_note_about_senders_either(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = json.dumps(_report({"policy-domain": "example.com"}))
    warnings, notes = _read(data.encode(), monkeypatch)
    assert warnings == ["policies[0]: policy-type is missing; kept as empty"]
    assert notes == []


def test_an_sts_entry_without_policy_string_keeps_its_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = json.dumps(_report({"policy-type": "sts", "policy-domain": "example.com"}))
    _, notes = _read(data.encode(), monkeypatch)
    assert notes == ["policies[0]: no policy-string (as Microsoft and mail.ru send)"]


@pytest.mark.parametrize(
    "written",
    ["120.00000000000000001", "1.5", "1e3", "120.0", "-0.0", "12E+1"],
)
def test_a_count_that_is_no_integer_is_quoted_as_the_sender_wrote_it(
    written: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.dumps(_report({"policy-type": "sts", "policy-domain": "example.com"}, 7))
    data = data.replace(
        '"total-successful-session-count": 7', f'"total-successful-session-count": {written}'
    )
    warnings, _ = _read(data.encode(), monkeypatch)
    assert (
        f"policies[0]: total-successful-session-count is the number {written}, not an "
        "integer ≥ 0; entry dropped"
    ) in warnings, warnings


def test_a_very_long_number_is_quoted_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    written = "1." + "0" * 200 + "1"
    data = json.dumps(_report({"policy-type": "sts", "policy-domain": "example.com"}, 7))
    data = data.replace(
        '"total-successful-session-count": 7', f'"total-successful-session-count": {written}'
    )
    warnings, _ = _read(data.encode(), monkeypatch)
    assert any(f"is the number {written[:40]}…, not an integer" in w for w in warnings), warnings


# --- 4. SMTP-11: the owner's name at a server whose certificate names another organisation's host


def _smtp11(findings: list[Finding]) -> Finding:
    (found,) = [f for f in findings if f.id == "SMTP-11"]
    return found


OPTION = (
    f"If that server is your provider's, the name its certificate gives, {HOSTER}, can take "
    f"the place of {OWN_MX}: senders check the name in the MX record (RFC 8461 §4.2). "
    "Use it"
)


def test_an_own_name_at_a_hosters_server_is_offered_the_certificates_name() -> None:
    def probe(host: str, address: str) -> starttls.SmtpProbe:
        return _tls_probe(host, address, ["*.hoster-s35e.net", HOSTER, "mail.hoster-s35e.net"])

    found = _only(_smtp(_zone(OWN_MX, "192.0.2.50"), probe), "SMTP-11", "warn")
    # The owner's name, not necessarily the owner's server (s35e), and the certificate to
    # install, as before; then the option.
    assert f"{OWN_MX} is your name, but the server it points to (192.0.2.50)" in found.fix
    assert f"subjectAltName includes {OWN_MX}" in found.fix
    assert found.fix.endswith(f"\n{OPTION}: point the MX at it:\n{D}. MX 10 {HOSTER}."), found.fix


@pytest.mark.parametrize(
    "kw",
    [{"verify_error": "unable-to-get-issuer"}, {"verify_error": "certificate-expired"}],
    ids=["untrusted", "expired"],
)
def test_no_option_when_the_certificate_fails_for_more_than_the_name(kw: dict[str, str]) -> None:
    def probe(host: str, address: str) -> starttls.SmtpProbe:
        return _tls_probe(host, address, [HOSTER], **kw)

    found = _smtp11(_smtp(_zone(OWN_MX, "192.0.2.50"), probe))
    assert "your name" in found.fix  # still the hoster's server
    assert "take the place of" not in found.fix, found.fix


def test_no_option_for_a_certificate_with_only_a_wildcard() -> None:
    def probe(host: str, address: str) -> starttls.SmtpProbe:
        return _tls_probe(host, address, ["*.hoster-s35e.net"])

    found = _only(_smtp(_zone(OWN_MX, "192.0.2.50"), probe), "SMTP-11", "warn")
    assert "your name" in found.fix
    assert "take the place of" not in found.fix, found.fix


def test_no_option_for_a_server_naming_the_owners_own_domain() -> None:
    def probe(host: str, address: str) -> starttls.SmtpProbe:
        return _tls_probe(host, address, [f"mail.{D}"])

    found = _only(_smtp(_zone(OWN_MX, "192.0.2.51"), probe), "SMTP-11", "warn")
    assert "take the place of" not in found.fix and "your name" not in found.fix, found.fix


def test_under_a_policy_the_option_lists_the_name_first_and_mtasts32_says_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.test_mtasts import evaluate

    zone: dict[tuple[str, str], list[str] | str] = {
        ("example.org", "MX"): ["10 mx.example.org."],
        ("mx.example.org", "A"): ["192.0.2.50"],
        ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=20261203T0000"'],
    }
    body = "version: STSv1\r\nmode: testing\r\nmx: mx.example.org\r\nmax_age: 604800\r\n"
    probe = _tls_probe("mx.example.org", "192.0.2.50", [HOSTER], verify_ok=False)
    found = evaluate(monkeypatch, zone, body=body, probes={"mx.example.org": probe})  # type: ignore[dict-item]
    (mtasts32,) = [f for f in found if f.id == "MTASTS-32"]
    option = (
        f"If that server is your provider's, the name its certificate gives, {HOSTER}, can "
        "take the place of mx.example.org: senders check the name in the MX record (RFC 8461 "
        f"§4.2). Use it: add to the policy file, then give the record a new id:\nmx: {HOSTER}\n"
        f"then point the MX at it:\nexample.org. MX 10 {HOSTER}.\n(the policy's line for "
        "mx.example.org can go after that)."
    )
    assert option in mtasts32.fix, mtasts32.fix
