"""Review of round 18 (s18y): MTA-STS findings name the real cause.

MTASTS-32 on an MX address that fails before any certificate is judged says which STARTTLS step
failed (no STARTTLS, STARTTLS refused, the handshake or the session after it broken, HELO only)
and gives the fix of the STARTTLS finding that reports it, word for word; an anonymous-only
server is named as SMTP-09 names it. MTASTS-01's proposed policy leaves out MX hosts without an
address (MX-06), and proposes none when no MX host has one. The probes are SmtpProbe objects as
starttls._main_session leaves them for each outcome; the MTA-STS side as in test_mtasts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks import https, mtasts, mx, starttls
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_mtasts import POLICY, ZONE, FakeProbe, evaluate
from tests.test_mx import make_ctx

MX = "mx1.example.org"
TESTING = POLICY.replace("mode: enforce", "mode: testing")
CERT_FALLBACK = "STARTTLS with a valid certificate for the MX name is required"
CERT_FIX = f"Install on {MX} a certificate valid for {MX}"


def _probe(**kw: Any) -> starttls.SmtpProbe:
    """A probe that connected and got EHLO 250, then what `kw` says."""
    base: dict[str, Any] = {
        "host": MX,
        "address": "192.0.2.11",
        "connected": True,
        "banner_code": 220,
        "banner": f"{MX} ESMTP",
        "ehlo_ok": True,
        "extensions": ["PIPELINING", "STARTTLS"],
        "starttls_offered": True,
    }
    return starttls.SmtpProbe(**(base | kw))


NO_STARTTLS = _probe(extensions=["PIPELINING"], starttls_offered=False)
HELO_ONLY = _probe(
    ehlo_ok=False,
    extensions=[],
    starttls_offered=False,
    helo_only=True,
    problem="EHLO was answered 502 5.5.2 Error: command not recognized; only HELO was accepted",
)
REFUSED_454 = _probe(
    starttls_reply="454 4.7.0 TLS not available due to local problem",
    error_kind="tls-handshake",
    problem="STARTTLS was answered 454 4.7.0 TLS not available due to local problem",
)
HUNG_UP = _probe(
    starttls_reply="220 2.0.0 Ready to start TLS",
    error_kind="tls-handshake",
    problem="the TLS handshake failed: the server closed the connection without a TLS alert "
    "(twice in a row)",
)
ALERT = _probe(
    starttls_reply="220 2.0.0 Ready to start TLS",
    error_kind="tls-handshake",
    problem="the TLS handshake failed: the server sent the TLS alert handshake_failure",
)
NO_SESSION = _probe(
    starttls_reply="220 2.0.0 Ready to start TLS",
    error_kind="tls-handshake",
    problem="the TLS handshake completed with TLSv1.3, but then the server refused our EHLO "
    "(554 5.7.1 no) and HELO (554 5.7.1 no), so no mail can be sent over TLS",
)
ANONYMOUS = _probe(
    starttls_reply="220 2.0.0 Ready to start TLS",
    tls_ok=True,
    tls_version="TLSv1.2",
    cipher="ADH-AES256-GCM-SHA384",
    max_tls_version="TLSv1.2",
    tls_versions_accepted=["TLSv1.2"],
    anon_cert="none",
    post_tls_ehlo_ok=True,
)


def _smtp_fix(probe: starttls.SmtpProbe, check_id: str) -> str:
    """The fix the STARTTLS check itself gives `check_id` on this probe (under enforce)."""
    out = Collector(Mechanism.SMTP)
    policy = starttls._Context(sts_mode="enforce", sts_usable=True, patterns=[MX])
    host = type("Host", (), {"name": MX})()
    starttls._per_probe(out, host, probe, policy, None, None)  # type: ignore[arg-type]
    [found] = [f for f in out.findings if f.id == check_id and f.status == Status.FAIL]
    return found.fix


def _mtasts32(
    monkeypatch: pytest.MonkeyPatch, probe: starttls.SmtpProbe, body: str = POLICY
) -> Finding:
    found = evaluate(monkeypatch, body=body, probes={MX: probe})  # type: ignore[dict-item]
    [failed] = [f for f in found if f.id == "MTASTS-32" and f.subject.startswith(MX)]
    return failed


SETUP_FAILED = "it offers STARTTLS but the TLS session could not be set up: the TLS handshake"
CAUSES = [
    (NO_STARTTLS, "SMTP-03", "it does not offer STARTTLS, so there is no TLS session to validate"),
    (HELO_ONLY, "SMTP-02", "it refuses EHLO and speaks only plain SMTP (EHLO was answered 502"),
    (
        REFUSED_454,
        "SMTP-04",
        "it offers STARTTLS but refuses to start TLS: STARTTLS was answered 454",
    ),
    (HUNG_UP, "SMTP-04", f"{SETUP_FAILED} failed: the server closed the"),
    (ALERT, "SMTP-04", f"{SETUP_FAILED} failed: the server sent the TLS"),
    (NO_SESSION, "SMTP-04", f"{SETUP_FAILED} completed with TLSv1.3, but"),
    (ANONYMOUS, "SMTP-09", f"{MX} presented no certificate: it chose the anonymous cipher suite"),
]


@pytest.mark.parametrize(("probe", "check_id", "said"), CAUSES)
def test_it_names_the_step_that_failed_with_that_findings_fix(
    monkeypatch: pytest.MonkeyPatch, probe: starttls.SmtpProbe, check_id: str, said: str
) -> None:
    failed = _mtasts32(monkeypatch, probe)
    assert failed.status == Status.FAIL  # enforce, as before
    assert f"does not pass MTA-STS validation: {said}" in failed.summary
    assert f"(see {check_id})" in failed.summary
    assert CERT_FALLBACK not in failed.summary
    # The STARTTLS finding's own fix, then (a definite failure under enforce) the way to let
    # senders deliver meanwhile.
    assert failed.fix.startswith(_smtp_fix(probe, check_id) + "\nUntil then"), failed.fix
    assert CERT_FIX not in failed.fix


@pytest.mark.parametrize(("probe", "check_id", "said"), CAUSES)
def test_under_testing_it_warns_with_the_same_cause(
    monkeypatch: pytest.MonkeyPatch, probe: starttls.SmtpProbe, check_id: str, said: str
) -> None:
    failed = _mtasts32(monkeypatch, probe, TESTING)
    assert failed.status == Status.WARN
    assert said in failed.summary and f"(see {check_id})" in failed.summary
    assert failed.fix == _smtp_fix(probe, check_id)


def test_a_host_outside_the_policy_is_named_with_its_cause(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = POLICY.replace("mx: mx1.example.org\r\n", "")
    failed = _mtasts32(monkeypatch, NO_STARTTLS, body)
    assert failed.status == Status.WARN
    assert "(not in the policy) would also fail MTA-STS validation: it does not offer STARTTLS" in (
        failed.summary
    )
    assert failed.fix == _smtp_fix(NO_STARTTLS, "SMTP-03")


def test_a_probe_without_those_facts_keeps_the_certificate_wording(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nothing says which step failed (a stand-in probe): the wording stays as it was.
    failed = _mtasts32(monkeypatch, FakeProbe(mta_sts_ok=False))  # type: ignore[arg-type]
    assert CERT_FALLBACK in failed.summary and failed.fix.startswith(CERT_FIX)


# --- MTASTS-01: the proposed policy lists only MX hosts that can receive mail -----------------

NO_RECORD = {k: v for k, v in ZONE.items() if k[0] != "_mta-sts.example.org"}


def _mtasts01(monkeypatch: pytest.MonkeyPatch, zone: dict[Any, Any]) -> Finding:
    # No policy served either (404): the setup from nothing.
    found = evaluate(monkeypatch, zone, status=404)
    [first] = [f for f in found if f.id == "MTASTS-01"]
    assert first.status == Status.INFO  # unchanged
    return first


def test_an_mx_host_without_an_address_is_left_out_of_the_proposed_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone = {k: v for k, v in NO_RECORD.items() if k != ("mx2.example.org", "A")}
    fix = _mtasts01(monkeypatch, zone).fix
    assert fix.startswith("Publish these three, in this order:")
    assert "mx: mx1.example.org\n" in fix and "mx: mx2.example.org" not in fix
    assert fix.endswith(
        "The policy leaves out mx2.example.org: it has no address, so no mail "
        "goes there (see MX-06)."
    )


def test_no_mx_host_with_an_address_means_fix_the_mx_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As s13-mxnodot (targets written without their final dot) and x05 (a host that is gone).
    zone = {k: v for k, v in NO_RECORD.items() if k[1] != "A"}
    fix = _mtasts01(monkeypatch, zone).fix
    assert fix == (
        "Fix the MX records first: no MX host of example.org has an address "
        "(mx1.example.org, mx2.example.org; see MX-06), so no mail can be delivered to it. "
        "Then set up MTA-STS for the MX hosts that receive its mail."
    )
    assert "mx:" not in fix and "v=STSv1" not in fix


def test_a_failed_address_lookup_keeps_the_host_in_the_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # SERVFAIL is "could not check" (checklist §0), not "no address".
    zone = NO_RECORD | {
        ("mx2.example.org", "A"): "SERVFAIL",
        ("mx2.example.org", "AAAA"): "SERVFAIL",
    }
    fix = _mtasts01(monkeypatch, zone).fix
    assert "mx: mx1.example.org\nmx: mx2.example.org\n" in fix and "leaves out" not in fix


def test_every_mx_host_with_an_address_keeps_the_full_setup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fix = _mtasts01(monkeypatch, NO_RECORD).fix
    assert "mx: mx1.example.org\nmx: mx2.example.org\n" in fix and "leaves out" not in fix


def test_a_bogus_mx_host_stays_in_the_proposed_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    # Bogus addresses fail validating senders only (MX-06); the others still deliver there, so
    # leaving the host out would have MTA-STS senders refuse it under enforce.
    zone = {
        **NO_RECORD,
        ("mx2.example.org", "A"): "SERVFAIL",
        ("mx2.example.org", "AAAA"): "SERVFAIL",
    }
    ctx = make_ctx("example.org", zone, cdzone={("mx2.example.org", "A"): ["192.0.2.12"]})
    assert asyncio.run(mx.get_mx(ctx)).hosts[1].bogus

    async def not_served(ctx: Any, url: str, **kw: Any) -> https.HttpsResult:
        result = https.HttpsResult(url=url, host=url.split("/")[2], elapsed_ms=5.0)
        result.status, result.body = 404, b""
        return result

    monkeypatch.setattr(https, "fetch", not_served)
    ctx = make_ctx("example.org", zone, cdzone={("mx2.example.org", "A"): ["192.0.2.12"]})
    [first] = [f for f in asyncio.run(mtasts.evaluate(ctx)) if f.id == "MTASTS-01"]
    assert "mx: mx1.example.org\nmx: mx2.example.org\n" in first.fix
    assert "leaves out" not in first.fix
