"""A fix from blind round s45c's reading (tests/test_lab_s45c_blind.py), tested without the lab.

MTASTS-10's fix, when the policy host refused its certificate (s45c-stsdeep: a certificate for
'*.mta-sts.<d>', a wildcard one level too deep; s45c-stsrogue: a chain to a root senders do
not trust; F09a-c: expired, wrong name, rogue root), told the owner to serve a 'mode: testing'
file and change the id. No sender can fetch any policy over that certificate (RFC 8461 §3.3:
the HTTPS fetch validates it, for the name mta-sts.<d>), so neither helps. It now says what
does (a certificate for mta-sts.<d> from a publicly trusted CA, or mailsec hosting the
policy) and what senders do meanwhile (RFC 8461 §3.3, §5.1: one with a cached policy keeps
applying it, one without delivers as if there were no MTA-STS). Alike for the other fetch
failures below the policy file (MTASTS-13: the TLS handshake; MTASTS-14: an incomplete HTTP
response); a host that serves no file (a 404, no address) keeps the file to serve. The
summary said every sender goes on as if there were no MTA-STS: only those without a cached
policy do. Statuses are unchanged. SMTP-04 for a STARTTLS answered 421:
tests/test_engine_s45h_smtp421.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks import https, mtasts, starttls
from checks.findings import Finding, Status
from tests.test_mtasts import ZONE, FakeProbe
from tests.test_mx import make_ctx

HOST = "mta-sts.example.org"
URL = f"https://{HOST}/.well-known/mta-sts.txt"
OURS = "mta-sts-host.mailsec.example"
MEANWHILE = (
    "Meanwhile a sender that cached a policy of example.org keeps applying it until its "
    "max_age runs out, and one that has none delivers as if example.org had no MTA-STS "
    "(RFC 8461 §3.3, §5.1)."
)
# What the generic file fix says: right for a host that serves no file, wrong for these.
FILE_WORDS = ("Serve this file", "mode: testing", "change the id")


def _cert(**kw: Any) -> https.CertInfo:
    return https.CertInfo(**kw)


# (fetch error_kind, error, cert, the finding naming the cause, words its MTASTS-10 fix says)
UNREACHED = {
    # s45c-stsdeep: '*.mta-sts.<d>' covers one label below the host, not the host itself.
    "wildcard-too-deep": (
        "tls-cert",
        "certificate verify failed: Hostname mismatch",
        _cert(
            sans=[f"*.{HOST}", "example.org"],
            verify_code=https.HOSTNAME_MISMATCH,
            verify_error="Hostname mismatch, certificate is not valid for 'mta-sts.example.org'",
        ),
        "MTASTS-12",
        f"present a certificate for {HOST} from a publicly trusted CA",
    ),
    # s45c-stsrogue, F09c: a chain to a root no sender trusts.
    "untrusted-root": (
        "tls-cert",
        "certificate verify failed: self-signed certificate in certificate chain",
        _cert(
            sans=[HOST],
            issuer="CN=Rogue Root X",
            verify_code=19,
            verify_error="self-signed certificate in certificate chain",
        ),
        "MTASTS-12",
        f"present a certificate for {HOST} from a publicly trusted CA",
    ),
    # F09a: expired.
    "expired": (
        "tls-cert",
        "certificate verify failed: certificate has expired",
        _cert(
            sans=[HOST],
            not_after="2025-01-01T00:00:00+00:00",
            verify_code=https.CERT_HAS_EXPIRED,
            verify_error="certificate has expired",
        ),
        "MTASTS-12",
        f"present a certificate for {HOST} from a publicly trusted CA",
    ),
    "handshake": (
        "tls",
        "TLS handshake failed: TLSV1_ALERT_INTERNAL_ERROR",
        None,
        "MTASTS-13",
        f"completes the TLS handshake for the name {HOST}",
    ),
    "incomplete-http": (
        "http",
        "the response ended before its headers",
        None,
        "MTASTS-14",
        f"answers {URL} with a complete HTTP response",
    ),
}


def _run(
    monkeypatch: pytest.MonkeyPatch, result: https.HttpsResult, ours: str = ""
) -> list[Finding]:
    async def fetch(ctx: Any, url: str, **kw: Any) -> https.HttpsResult:
        return result

    async def probe_mx(ctx: Any, host: str, address: str) -> FakeProbe:
        return FakeProbe()

    monkeypatch.setattr(https, "fetch", fetch)
    monkeypatch.setattr(starttls, "probe_mx", probe_mx)
    zone = {**ZONE, (HOST, "A"): ["192.0.2.13"]}
    ctx = make_ctx("example.org", zone, hosted_policy_host=ours)
    return asyncio.run(mtasts.evaluate(ctx))


def _failed(
    kind: str, error: str, cert: https.CertInfo | None, status: int | None = None
) -> https.HttpsResult:
    result = https.HttpsResult(url=URL, host=HOST, elapsed_ms=5.0, error_kind=kind, error=error)
    result.cert = cert
    result.per_address = [https.AddressOutcome("192.0.2.13", False, error, kind)]
    return result


def _only(found: list[Finding], check_id: str) -> Finding:
    [one] = [f for f in found if f.id == check_id]
    return one


@pytest.mark.parametrize("case", sorted(UNREACHED))
def test_mtasts10_names_the_fault_below_the_file_not_a_new_file(
    monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    kind, error, cert, cause, words = UNREACHED[case]
    found = _run(monkeypatch, _failed(kind, error, cert))
    failing = {f.id for f in found if f.status in (Status.FAIL, Status.WARN)}
    assert failing == {"MTASTS-10", cause}, failing  # statuses unchanged
    mtasts10 = _only(found, "MTASTS-10")
    fix = mtasts10.fix or ""
    assert words in fix, fix
    assert f"the fix of {cause}" in fix, fix
    assert MEANWHILE in fix, fix
    for wrong in FILE_WORDS:
        assert wrong not in fix, (wrong, fix)
    assert "senders that have no policy of example.org cached" in mtasts10.summary


@pytest.mark.parametrize("case", ["wildcard-too-deep", "untrusted-root"])
def test_mtasts10_names_no_host_it_has_not_looked_up(
    monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    # Pointing the owner at mailsec's host from here would skip the lookup the hosted fixes
    # make first (a failed lookup of ours keeps the generic advice: test_lab_s16h_hosted).
    kind, error, cert, _, _ = UNREACHED[case]
    fix = _only(_run(monkeypatch, _failed(kind, error, cert), ours=OURS), "MTASTS-10").fix or ""
    assert OURS not in fix and "let mailsec host" not in fix, fix
    assert "RFC 8461 §3.3" in fix and MEANWHILE in fix, fix


@pytest.mark.parametrize(
    "result",
    [
        _failed("dns", f"{HOST} does not exist (NXDOMAIN)", None),
        _failed("connect", "connection refused", None),
    ],
    ids=["no-host", "refused"],
)
def test_a_host_serving_no_file_keeps_the_file_to_serve(
    monkeypatch: pytest.MonkeyPatch, result: https.HttpsResult
) -> None:
    fix = _only(_run(monkeypatch, result), "MTASTS-10").fix or ""
    assert fix.startswith(f"1. Serve this file at {URL}"), fix


def test_a_404_keeps_the_file_to_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    result = https.HttpsResult(url=URL, host=HOST, elapsed_ms=5.0, status=404)
    result.headers = {"content-type": "text/html"}
    result.per_address = [https.AddressOutcome("192.0.2.13", True, status=404)]
    found = _run(monkeypatch, result)
    assert _only(found, "MTASTS-10").fix.startswith(f"1. Serve this file at {URL}")
