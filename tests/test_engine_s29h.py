"""Follow-ups from blind round s29m (task s29h), no lab needed.

MTASTS-32 names the MX addresses that validate when another fails or could not be checked:
the pass finding comes only when every address passes, so an owner whose mx2 failed never
learnt that mx1 was fine, and could not tell a domain-wide fault from one server's.
"""

from __future__ import annotations

import pytest

from checks.findings import Finding, Status
from tests.test_mtasts import ZONE, FakeProbe
from tests.test_mtasts_s19x_addresses import _per_address


def _mtasts32(found: list[Finding], subject: str) -> Finding:
    [one] = [f for f in found if f.id == "MTASTS-32" and f.subject == subject]
    return one


def test_mtasts32_failure_names_the_host_that_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = FakeProbe(mta_sts_ok=False, error_kind="tls-handshake", problem="no shared cipher")
    found = _per_address(monkeypatch, {("mx2.example.org", "192.0.2.12"): broken}, ZONE)
    failed = _mtasts32(found, "mx2.example.org (192.0.2.12)")
    assert failed.status == Status.FAIL  # unchanged
    assert failed.summary.endswith("mx1.example.org at 192.0.2.11 passes MTA-STS validation.")
    assert failed.evidence["validated"] == ["mx1.example.org 192.0.2.11"]
    # Still no finding of its own for the host that passes (no noise per host).
    assert not [f for f in found if f.id == "MTASTS-32" and f.subject.startswith("mx1.")]


def test_mtasts32_could_not_check_names_the_host_that_validates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    silent = FakeProbe(error_kind="timeout", problem="no TCP connection to port 25 within 10s")
    found = _per_address(monkeypatch, {("mx2.example.org", "192.0.2.12"): silent}, ZONE)
    unknown = _mtasts32(found, "mx2.example.org (192.0.2.12)")
    assert unknown.status == Status.ERROR  # unchanged
    assert unknown.summary == (
        "Could not check mx2.example.org at 192.0.2.12 this time: no TCP connection to port 25 "
        "within 10s. mx1.example.org at 192.0.2.11 passes MTA-STS validation."
    )
    assert unknown.evidence["validated"] == ["mx1.example.org 192.0.2.11"]


def test_mtasts32_names_nothing_when_no_other_host_validates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = FakeProbe(mta_sts_ok=False, error_kind="tls-handshake", problem="no shared cipher")
    probes = {("mx1.example.org", "192.0.2.11"): broken, ("mx2.example.org", "192.0.2.12"): broken}
    found = _per_address(monkeypatch, probes, ZONE)
    for subject in ("mx1.example.org (192.0.2.11)", "mx2.example.org (192.0.2.12)"):
        failed = _mtasts32(found, subject)
        assert "passes MTA-STS validation" not in failed.summary
        assert "validated" not in failed.evidence


def test_mtasts32_failed_address_lookup_names_the_host_that_validates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone = ZONE | {("mx2.example.org", "A"): "SERVFAIL", ("mx2.example.org", "AAAA"): "SERVFAIL"}
    found = _per_address(monkeypatch, {}, zone)
    unknown = _mtasts32(found, "mx2.example.org")
    assert unknown.status == Status.ERROR  # unchanged
    assert unknown.summary.endswith(
        "so it could not be checked. mx1.example.org at 192.0.2.11 passes MTA-STS validation."
    )


# SMTP-18 is one line for the domain (s29h item 2): "mx1 ... does not advertise REQUIRETLS
# (RFC 8689)" on every address of every MX host was true and said nothing anyone acts on, once
# per address. Info as before (checklist SMTP-18); it names the hosts that do advertise it, and
# an address only where a host's addresses differ.

SMTP_ZONE: dict[tuple[str, str], list[str] | str] = {
    ("example.org", "MX"): ["10 mx1.example.org.", "20 mx2.example.org."],
    ("mx1.example.org", "A"): ["192.0.2.11"],
    ("mx2.example.org", "A"): ["192.0.2.12"],
}


def _smtp_findings(monkeypatch: pytest.MonkeyPatch, advertising: set[str]) -> list[Finding]:
    import asyncio

    from checks import starttls
    from tests.test_mx import make_ctx

    async def probe_mx(ctx: object, host: str, address: str) -> starttls.SmtpProbe:
        keywords = ["PIPELINING", "SIZE 10240000"]
        if host in advertising:
            keywords.append("REQUIRETLS")
        return starttls.SmtpProbe(
            host=host,
            address=address,
            connected=True,
            banner_code=220,
            banner=f"{host} ESMTP",
            ehlo_ok=True,
            extensions=keywords,
            requiretls=host in advertising,
        )

    monkeypatch.setattr(starttls, "probe_mx", probe_mx)
    return asyncio.run(starttls.evaluate(make_ctx("example.org", SMTP_ZONE)))


def test_smtp18_is_one_line_for_the_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    [found] = [f for f in _smtp_findings(monkeypatch, set()) if f.id == "SMTP-18"]
    assert found.status == Status.INFO
    assert found.subject == "example.org"
    assert found.summary == (
        "REQUIRETLS (RFC 8689) is not advertised by mx1.example.org or mx2.example.org."
    )


def test_smtp18_names_the_hosts_that_advertise_it(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = _smtp_findings(monkeypatch, {"mx1.example.org"})
    [found] = [f for f in findings if f.id == "SMTP-18"]
    assert found.status == Status.INFO
    assert found.summary == (
        "REQUIRETLS (RFC 8689) is advertised by mx1.example.org; not by mx2.example.org."
    )
    assert found.evidence == {
        "advertised": ["mx1.example.org"],
        "not_advertised": ["mx2.example.org"],
    }


def test_smtp18_when_every_host_advertises_it(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = _smtp_findings(monkeypatch, {"mx1.example.org", "mx2.example.org"})
    [found] = [f for f in findings if f.id == "SMTP-18"]
    assert found.summary == (
        "REQUIRETLS (RFC 8689) is advertised by mx1.example.org and mx2.example.org."
    )


def test_smtp18_names_the_address_where_a_host_differs(monkeypatch: pytest.MonkeyPatch) -> None:
    zone = SMTP_ZONE | {("mx1.example.org", "AAAA"): ["2001:db8::11"]}
    import asyncio

    from checks import starttls
    from tests.test_mx import make_ctx

    async def probe_mx(ctx: object, host: str, address: str) -> starttls.SmtpProbe:
        advertises = address == "192.0.2.11"
        return starttls.SmtpProbe(
            host=host,
            address=address,
            connected=True,
            banner_code=220,
            ehlo_ok=True,
            extensions=["REQUIRETLS"] if advertises else [],
            requiretls=advertises,
        )

    monkeypatch.setattr(starttls, "probe_mx", probe_mx)
    findings = asyncio.run(starttls.evaluate(make_ctx("example.org", zone)))
    [found] = [f for f in findings if f.id == "SMTP-18"]
    assert found.summary == (
        "REQUIRETLS (RFC 8689) is advertised by mx1.example.org at 192.0.2.11; not by "
        "mx1.example.org at 2001:db8::11 or mx2.example.org."
    )


# SMTP-03 names the firewall that hides STARTTLS (s29h item 3): Cisco ASA 'inspect esmtp'
# masks the keyword in the EHLO reply as '250-XXXXXXXA'. The fix said "Enable STARTTLS on the
# mail server", sending the owner to an MTA that offers it already.

ASA_KEYWORDS = ["PIPELINING", "SIZE 10240000", "XXXXXXXA", "8BITMIME"]


def _no_starttls(keywords: list[str]) -> list[Finding]:
    from types import SimpleNamespace

    from checks import starttls
    from checks.config import CheckConfig
    from checks.context import CheckContext
    from checks.findings import Collector, Mechanism

    probe = starttls.SmtpProbe(host="mx1.example.test", address="192.0.2.31", port=25)
    probe.banner, probe.banner_code, probe.connected = "mx1.example.test ESMTP", 220, True
    probe.ehlo_ok, probe.extensions = True, keywords
    out = Collector(Mechanism.SMTP)
    ctx = CheckContext("example.test", CheckConfig(allow_private_targets=True))
    starttls._per_probe(
        out, SimpleNamespace(name=probe.host), probe, starttls._Context(), None, ctx
    )
    return out.findings


def test_smtp03_names_the_firewall_that_masks_starttls() -> None:
    (found,) = [f for f in _no_starttls(ASA_KEYWORDS) if f.id == "SMTP-03"]
    assert found.status == Status.WARN  # unchanged: senders see no STARTTLS
    assert "XXXXXXXA" in found.summary and "firewall" in found.summary
    assert "no inspect esmtp" in found.fix and "allow-tls" in found.fix
    assert "Enable STARTTLS on the mail server" not in found.fix


def test_smtp03_without_the_mask_keeps_its_fix() -> None:
    (found,) = [f for f in _no_starttls(["PIPELINING", "8BITMIME"]) if f.id == "SMTP-03"]
    assert "firewall" not in found.summary
    assert found.fix.startswith("Enable STARTTLS on the mail server")


def test_mtasts32_reason_names_the_firewall_that_masks_starttls() -> None:
    from checks import mtasts, starttls

    probe = starttls.SmtpProbe(host="mx1.example.test", address="192.0.2.31", port=25)
    probe.connected, probe.ehlo_ok, probe.extensions = True, True, ASA_KEYWORDS
    failure = mtasts._session_failure(probe, "mx1.example.test")
    assert failure is not None and failure.check == "SMTP-03"
    assert "XXXXXXXA" in failure.what
    assert "no inspect esmtp" in failure.fix


def test_dane10_names_the_firewall_that_masks_starttls() -> None:
    # DANE-10 for the same MX with usable TLSA records said "Enable STARTTLS on <host>".
    from types import SimpleNamespace

    from checks import dane
    from checks.findings import Collector, Mechanism
    from checks.starttls import SmtpProbe

    host = "mx.example.com"
    parsed = dane.parse_tlsa_text("3 1 1 " + "ab" * 32)
    assert parsed.record is not None
    state = dane.TlsaState(
        host=host, base=host, qname=f"_25._tcp.{host}", records=[parsed.record], secure=True
    )
    probe = SmtpProbe(host=host, address="192.0.2.25", connected=True, banner_code=220)
    probe.ehlo_ok, probe.extensions = True, ASA_KEYWORDS
    out = Collector(Mechanism.DANE)
    dane._probe_findings(out, SimpleNamespace(name=host), state, [probe])
    (found,) = [f for f in out.findings if f.id == "DANE-10"]
    assert found.status == Status.FAIL  # unchanged
    assert "XXXXXXXA" in found.summary
    assert "no inspect esmtp" in found.fix
    assert found.fix.endswith(", or withdraw _25._tcp.mx.example.com TLSA first.")
