"""MTASTS-10's fix when the policy URL answers something other than 200 (task s45l).

F12b: https://mta-sts.<d>/.well-known/mta-sts.txt answers 503 with a valid 'mode: enforce'
policy as its body; F11 and s33m-redir308: it answers a redirect to www.<d>, which serves one.
Senders take a policy only from a 200 at that URL and never follow a redirect (RFC 8461
§3.3), so MTASTS-10 and MTASTS-14 fail, as before. But the fix offered a new 'mode: testing'
file and a new id: in place of the owner's sound enforce policy, a downgrade, and a new id
that RFC 8461 §3.1 asks for only when the policy changes. When the owner's policy is visible
(a non-200 answer's body that is a valid policy for the MX hosts), the fix now says to serve
THAT policy with 200 at the URL itself, quotes it, and keeps the id. mailsec never fetches a
redirect's target (as senders do not), so for a redirect the fix names the Location and says
the same of what it serves, before the file for a domain that has none. A non-200 carrying no
good policy keeps the file to serve.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks import https, mtasts, starttls
from checks.findings import Finding, Status
from tests.test_mtasts import POLICY, ZONE, FakeProbe
from tests.test_mx import make_ctx

HOST = "mta-sts.example.org"
URL = f"https://{HOST}/.well-known/mta-sts.txt"
WWW = "https://www.example.org/.well-known/mta-sts.txt"
KEEP_ID = "keep the id in the record (id=20260601T0000)"
TESTING_FILE = ("Serve this file", "mode: testing", "change the id in the record")


def _run(monkeypatch: pytest.MonkeyPatch, result: https.HttpsResult) -> tuple[Finding, list[str]]:
    fetched: list[str] = []

    async def fetch(ctx: Any, url: str, **kw: Any) -> https.HttpsResult:
        fetched.append(url)
        return result

    async def probe_mx(ctx: Any, host: str, address: str) -> FakeProbe:
        return FakeProbe()

    monkeypatch.setattr(https, "fetch", fetch)
    monkeypatch.setattr(starttls, "probe_mx", probe_mx)
    zone = {**ZONE, (HOST, "A"): ["192.0.2.13"]}
    found = asyncio.run(mtasts.evaluate(make_ctx("example.org", zone)))
    failing = {f.id for f in found if f.status in (Status.FAIL, Status.WARN)}
    assert failing == {"MTASTS-10", "MTASTS-14"}, failing  # statuses unchanged
    [mtasts10] = [f for f in found if f.id == "MTASTS-10"]
    return mtasts10, fetched


def _answer(status: int, body: str, headers: dict[str, str] | None = None) -> https.HttpsResult:
    result = https.HttpsResult(url=URL, host=HOST, elapsed_ms=5.0, status=status)
    result.headers = {"content-type": "text/plain", **(headers or {})}
    result.body = body.encode()
    result.per_address = [https.AddressOutcome("192.0.2.13", True, status=status)]
    return result


TESTING = POLICY.replace("mode: enforce", "mode: testing")


@pytest.mark.parametrize(
    ("status", "body"),
    [(503, POLICY), (429, POLICY), (404, TESTING), (500, POLICY.replace("\r\n", "\n"))],
    ids=["F12b-503-enforce", "429-enforce", "404-testing", "500-lf"],
)
def test_a_non_200_carrying_a_good_policy_is_served_as_it_is(
    monkeypatch: pytest.MonkeyPatch, status: int, body: str
) -> None:
    mtasts10, _ = _run(monkeypatch, _answer(status, body))
    fix = mtasts10.fix or ""
    assert fix.startswith(f"{URL} answers HTTP {status} with a valid policy as its body"), fix
    assert f"Serve that policy at {URL} itself with HTTP 200, as text/plain" in fix, fix
    assert body.replace("\r\n", "\n") in fix, fix  # quoted as served
    assert KEEP_ID in fix and "RFC 8461 §3.1" in fix, fix
    for wrong in TESTING_FILE:
        if wrong == "mode: testing" and "mode: testing" in body:
            continue
        assert wrong not in fix, (wrong, fix)


@pytest.mark.parametrize("status", [301, 308])
def test_a_redirect_names_its_target_and_is_never_followed(
    monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    # F11 (301), s33m-redir308: an HTML body, the policy at the Location.
    result = _answer(status, "<html><body>Moved</body></html>\n", {"location": WWW})
    result.headers["content-type"] = "text/html"
    mtasts10, fetched = _run(monkeypatch, result)
    assert fetched == [URL]  # the Location is named, not fetched
    fix = mtasts10.fix or ""
    assert fix.startswith(
        f"{URL} answers HTTP {status} with a redirect to {WWW}, and senders never follow a "
        "redirect (RFC 8461 §3.3). If that URL serves the policy of example.org, serve the "
        f"same file at {URL} itself with HTTP 200, as text/plain, without redirect"
    ), fix
    assert KEEP_ID in fix, fix
    # The file for a domain that has no policy stays, second (s46b: only for such an owner).
    assert "start with this one:\n1. Serve this file" in fix, fix


@pytest.mark.parametrize(
    "result",
    [
        # A 404 page (a 5xx or 429 page without a policy is the server's error: s48r4).
        _answer(404, "Not Found\n"),
        # Valid, but enforce on a host that is not the domain's MX: not a policy to keep.
        _answer(503, POLICY.replace("mx2.example.org", "old.example.net")),
        _answer(503, "version: STSv1\r\nmode: enforce\r\n"),  # no mx, no max_age: invalid
    ],
    ids=["no-policy", "misses-an-mx", "invalid"],
)
def test_a_non_200_without_a_good_policy_keeps_the_file_to_serve(
    monkeypatch: pytest.MonkeyPatch, result: https.HttpsResult
) -> None:
    mtasts10, _ = _run(monkeypatch, result)
    assert (mtasts10.fix or "").startswith(f"1. Serve this file at {URL}"), mtasts10.fix
