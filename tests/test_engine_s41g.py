"""Task s41g: engine leftovers checked against the checklist and the RFCs.

1. MTASTS-34 (MTA-STS without TLS-RPT): the checklist's rule 34 and fixture F26 (mode testing, no
   _smtp._tls record) say warn, and the engine warns; it says info only where the TLS-RPT
   findings judge an unusable record (F35, F36, s36l) or senders apply no policy (mode none).
   Pinned here for F26's shape, which no unit test covered.
2. BIMI-03 and BIMI-09: every fail and warn says what to publish or serve (as BIMI-04 and
   BIMI-10 do), not only what is wrong.
4. SMTP-04: a STARTTLS that times out, or is answered 421, is "could not be checked" in words as
   in status; a 454 (TLS not available, RFC 3207 §4) fails, with a fix for what a 454 means.
5. A null-MX subdomain with a BIMI record and an enforcing policy inherited from the
   organisational domain: BIMI-08 passes (BIMI is about mail sent), MX-03 warns that the domain
   seems to send while declaring it receives nothing (RFC 7505 §4.2).
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest

from checks import bimi, https, mx, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, Finding, Mechanism, Status
from checks.https import HttpsResult
from tests.blind_engine import run_engine
from tests.test_bimi import CERT, GOOD_SVG, GOOD_VMC, LOGO, bimi_run
from tests.test_fix_texts import fix_problems
from tests.test_mtasts import NO_TLSRPT, evaluate
from tests.test_spf import make_ctx, statuses

D = "example.com"
SUBJECT = f"default._bimi.{D}"


def _only(findings: list[Finding], check: str, status: Status | None = None) -> Finding:
    found = [f for f in findings if f.id == check and (status is None or f.status == status)]
    assert len(found) == 1, [(f.id, f.status, f.summary) for f in findings]
    return found[0]


# 1. MTASTS-34 -------------------------------------------------------------------------------


def test_s41g_testing_mode_without_tlsrpt_warns_as_fixture_f26(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = (
        "version: STSv1\r\nmode: testing\r\nmx: mx1.example.org\r\nmx: mx2.example.org\r\n"
        "max_age: 604800\r\n"
    )
    findings = evaluate(monkeypatch, NO_TLSRPT, body=body)
    mtasts34 = _only(findings, "MTASTS-34")
    assert mtasts34.status == Status.WARN
    assert "_smtp._tls.example.org" in mtasts34.fix and "v=TLSRPTv1" in mtasts34.fix
    assert statuses(findings, "MTASTS-33") == [Status.INFO]


# 2. BIMI-03 and BIMI-09 fixes ---------------------------------------------------------------


def _no_fix_problems(finding: Finding) -> None:
    assert finding.fix, finding.summary
    assert fix_problems(finding, D, {}) == []


def test_s41g_bimi03_no_logo_tag_offers_the_record_with_l_after_the_version() -> None:
    bimi03 = _only(bimi_run(f"v=BIMI1; a={CERT}"), "BIMI-03", Status.FAIL)
    _no_fix_problems(bimi03)
    assert (
        f'{SUBJECT}. TXT "v=BIMI1; l=<https:// URL of the logo\'s SVG file>; a={CERT}"'
        in bimi03.fix
    ), bimi03.fix
    assert "SVG Tiny Portable/Secure" in bimi03.fix and "mark certificate" in bimi03.fix


def test_s41g_bimi03_no_tags_at_all_offers_l_and_the_declination() -> None:
    bimi03 = _only(bimi_run("v=BIMI1;"), "BIMI-03", Status.FAIL)
    _no_fix_problems(bimi03)
    assert f'{SUBJECT}. TXT "v=BIMI1; l=<https:// URL of the logo\'s SVG file>"' in bimi03.fix
    # Without a= the owner may have meant to decline BIMI: that record is said too.
    assert "v=BIMI1; l=; a=" in bimi03.fix


def test_s41g_bimi03_empty_logo_beside_a_certificate_offers_the_record_with_l() -> None:
    bimi03 = _only(bimi_run(f"v=BIMI1; l=; a={CERT}"), "BIMI-03", Status.FAIL)
    _no_fix_problems(bimi03)
    assert (
        f'{SUBJECT}. TXT "v=BIMI1; l=<https:// URL of the logo\'s SVG file>; a={CERT}"'
        in bimi03.fix
    ), bimi03.fix


def _logo_run(logo: HttpsResult) -> list[Finding]:
    """BIMI on a valid record whose logo fetch gives `logo` (the mark certificate is good)."""
    zone: dict[Any, Any] = {
        (D, "MX"): ["10 mx.example.com."],
        (SUBJECT, "TXT"): [f"v=BIMI1; l={LOGO}; a={CERT}"],
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject; rua=mailto:d@example.com"],
    }

    async def fake_fetch(ctx: Any, url: str, **kw: Any) -> HttpsResult:
        if url.endswith(".pem"):
            return HttpsResult(url=url, status=200, body=GOOD_VMC)
        return logo

    async def go() -> list[Finding]:
        with mock.patch.object(https, "fetch", fake_fetch):
            return await bimi.evaluate(make_ctx(D, zone))

    return asyncio.run(go())


SCRIPT_SVG = GOOD_SVG.replace(b"<circle", b"<script>alert(1)</script><circle")
WIDE_SVG = GOOD_SVG.replace(b'viewBox="0 0 100 100"', b'viewBox="0 0 200 100"')
BIG_SVG = GOOD_SVG.replace(b"</svg>", b"<desc>" + b"x" * 40_000 + b"</desc></svg>")


@pytest.mark.parametrize(
    ("logo", "status", "words"),
    [
        # No such host: a definite answer, no receiver can fetch it.
        (
            HttpsResult(url=LOGO, host="bimi.example.com", error_kind="dns", error="no such host"),
            Status.FAIL,
            ("bimi.example.com must resolve", LOGO),
        ),
        (HttpsResult(url=LOGO, status=404, body=b"gone"), Status.FAIL, ("HTTP 200", LOGO)),
        (HttpsResult(url=LOGO, status=200, body=SCRIPT_SVG), Status.FAIL, ("tiny-ps", "<title>")),
        (HttpsResult(url=LOGO, status=200, body=b"not svg"), Status.FAIL, ("tiny-ps", LOGO)),
        (HttpsResult(url=LOGO, status=200, body=WIDE_SVG), Status.WARN, ("square", "viewBox")),
        (HttpsResult(url=LOGO, status=200, body=BIG_SVG), Status.WARN, ("32 KB", LOGO)),
        (
            HttpsResult(url=LOGO, status=200, body=BIG_SVG, truncated=True),
            Status.WARN,
            ("32 KB", LOGO),
        ),
    ],
    ids=["nxdomain", "404", "script", "not-xml", "wide", "big", "cut"],
)
def test_s41g_every_bimi09_fail_and_warn_says_what_to_serve(
    logo: HttpsResult, status: Status, words: tuple[str, ...]
) -> None:
    found = [f for f in _logo_run(logo) if f.id == "BIMI-09" and f.status in BAD]
    assert [f.status for f in found] == [status], [(f.status, f.summary) for f in found]
    (bimi09,) = found
    _no_fix_problems(bimi09)
    for word in words:
        assert word in bimi09.fix, (word, bimi09.fix)


def test_s41g_bimi09_redirect_that_l_cannot_name_says_in_its_summary_where_to_serve() -> None:
    # The one BIMI-09 fail without a fix (tests/test_bimi_s12_wording.py): its summary already
    # says to serve the file at l= itself; the fix slot stays for a record to publish.
    logo = HttpsResult(url=LOGO, status=301, headers={"location": LOGO})
    (bimi09,) = [f for f in _logo_run(logo) if f.id == "BIMI-09" and f.status in BAD]
    assert f"Serve the SVG file at {LOGO} itself (HTTP 200)" in bimi09.summary
    assert bimi09.fix == ""


BAD = {Status.FAIL, Status.WARN}


# 4. SMTP-04 ---------------------------------------------------------------------------------


def _smtp04(**fields: Any) -> Finding:
    probe = starttls.SmtpProbe(host="mx1.example.test", address="192.0.2.25")
    probe.connected = probe.ehlo_ok = probe.starttls_offered = True
    probe.banner_code, probe.banner = 220, "mx1.example.test ESMTP"
    for name, value in fields.items():
        setattr(probe, name, value)
    out = Collector(Mechanism.SMTP)
    ctx = CheckContext("example.test", CheckConfig(allow_private_targets=True))
    policy = starttls._Context(sts_mode="enforce", sts_usable=True)
    starttls._per_probe(out, SimpleNamespace(name=probe.host), probe, policy, None, ctx)
    return _only(out.findings, "SMTP-04")


@pytest.mark.parametrize(
    ("kind", "problem", "reply"),
    [
        ("timeout", "the TLS handshake did not finish within 10s (twice in a row)", ""),
        (
            "temp-unavailable",
            "STARTTLS was answered 421 4.7.0 mx1 closing (twice in a row)",
            "421 4.7.0 mx1 closing",
        ),
    ],
    ids=["timeout", "421"],
)
def test_s41g_smtp04_timeout_and_421_say_could_not_be_checked(
    kind: str, problem: str, reply: str
) -> None:
    smtp04 = _smtp04(error_kind=kind, problem=problem, starttls_reply=reply)
    assert smtp04.status == Status.ERROR
    assert "could not be checked" in smtp04.summary, smtp04.summary
    assert problem in smtp04.summary
    assert not smtp04.fix


def test_s41g_smtp04_454_fails_and_says_the_server_cannot_start_tls() -> None:
    reply = "454 4.7.0 TLS not available due to local problem"
    smtp04 = _smtp04(
        error_kind="tls-handshake",
        problem=f"STARTTLS was answered {reply} (twice in a row)",
        starttls_reply=reply,
    )
    assert smtp04.status == Status.FAIL
    assert reply in smtp04.summary
    assert "could not" not in smtp04.summary.replace("could not be set up", "")
    # What a 454 means: the server cannot load its certificate or key (Postfix answers it
    # while it cannot), so the fix says to look there, not at protocol versions.
    assert "certificate" in smtp04.fix and "key" in smtp04.fix and "454" in smtp04.fix


# 5. null MX, BIMI and an inherited policy ----------------------------------------------------


def test_s41g_null_mx_subdomain_with_bimi_under_an_enforcing_inherited_policy() -> None:
    from tests.test_engine_s38e_nullmx import SUB, _one, _run, _subdomain_zone

    zone = _subdomain_zone("v=DMARC1; p=reject; rua=mailto:d@brand.example")
    assert _one(_run(SUB, zone, "bimi"), "BIMI-08").status == "pass"
    mx03 = _one(run_engine(mx, SUB, zone)[0], "MX-03")
    assert mx03.status == "warn"
    assert f"default._bimi.{SUB}" in mx03.summary
