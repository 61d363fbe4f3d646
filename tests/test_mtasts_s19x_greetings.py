"""Round s19x: what MTA-STS (MTASTS-32/33/36) says about an MX that greets with 521, 554 or
421, and how MTASTS-32/36 name one address of an MX host that has several.

A 521 greeting (RFC 7504 §3: "does not accept mail", to every client) is a definite answer, not
an outage: SMTP-02 fails it, and MTASTS-32 no longer calls it "could not check" (which made the
whole MTA-STS category unscored). No sender delivers there with or without a policy, so it is a
note that holds back neither the MTASTS-32 pass nor the move to enforce. A 421 greeting stays
"could not check" (checklist §0), and so does a 554 greeting (one client address turned away).

The greeting probes are real: starttls.probe_mx against a small SMTP server on 127.0.140.1 (no
lab). The MTA-STS side as in test_mtasts."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from checks import starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Finding, Status
from tests.test_mtasts import POLICY, ZONE, evaluate

GREETER = "127.0.140.1"
# mx2's address is the greeting server's, so the findings name the address probed.
GREETED = ZONE | {("mx2.example.org", "A"): [GREETER]}
TESTING = POLICY.replace("mode: enforce", "mode: testing")


def greeted(greeting: bytes) -> starttls.SmtpProbe:
    """probe_mx against a server that greets with `greeting`, then answers QUIT."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(greeting)
        await writer.drain()
        with contextlib.suppress(ConnectionError, TimeoutError):
            await asyncio.wait_for(reader.readline(), 2)
            writer.write(b"221 2.0.0 Bye\r\n")
            await writer.drain()
        writer.close()

    async def main() -> starttls.SmtpProbe:
        server = await asyncio.start_server(handle, GREETER, 0)
        port = server.sockets[0].getsockname()[1]
        config = CheckConfig(
            smtp_port=port, allow_private_targets=True, timeout=2.0, probe_cache_seconds=0
        )
        try:
            return await starttls.probe_mx(
                CheckContext("example.org", config), "mx2.example.org", GREETER
            )
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(main())


GREETING_521 = b"521 5.3.2 mx2.example.org does not accept mail\r\n"
GREETING_554 = b"554 5.7.1 Client host [127.0.140.1] blocked using zen.spamhaus.org\r\n"
GREETING_421 = b"421 4.3.2 mx2.example.org busy, try again later\r\n"


def _on_mx2(found: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in found if f.id == check_id and f.subject.startswith("mx2.example.org")]


def _smtp_findings(probe: starttls.SmtpProbe) -> list[Finding]:
    """SMTP-xx findings for mx2's probe, under an MTA-STS policy in enforce."""
    out = starttls.Collector(starttls.MECHANISM)
    ctx = CheckContext("example.org", CheckConfig(allow_private_targets=True))
    host = type("Host", (), {"name": probe.host})()
    starttls._reachability(out, [(host, probe)], ctx)
    policy = starttls._Context(sts_mode="enforce", sts_usable=True, patterns=[probe.host])
    if probe.connected and not probe.could_not_check:
        starttls._per_probe(out, host, probe, policy, None, ctx)
    return out.findings


def test_a_521_greeting_is_a_definite_answer_in_both_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    probe = greeted(GREETING_521)
    assert probe.accepts_no_mail
    [smtp02] = [f for f in _smtp_findings(probe) if f.id == "SMTP-02"]
    assert smtp02.status == Status.FAIL  # as before
    assert "remove it from the MX records" in smtp02.fix
    found = evaluate(monkeypatch, GREETED, probes={"mx2.example.org": probe})  # type: ignore[dict-item]
    [note] = _on_mx2(found, "MTASTS-32")
    # Not "could not check" (it left MTA-STS out of the score), and no MTA-STS failure:
    # the host takes no mail from anyone, whatever the policy says.
    assert note.status == Status.INFO
    assert note.summary.startswith("mx2.example.org at 127.0.140.1 accepts no mail at all")
    assert "521" in note.summary and "SMTP-02" in note.summary
    assert note.subject == "mx2.example.org (127.0.140.1)"
    assert not [f for f in found if f.status in {Status.ERROR, Status.FAIL, Status.WARN}]


def test_a_521_host_holds_back_neither_the_pass_nor_enforce(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    probe = greeted(GREETING_521)
    found = evaluate(monkeypatch, GREETED, body=TESTING, probes={"mx2.example.org": probe})  # type: ignore[dict-item]
    [passed] = [f for f in found if f.id == "MTASTS-32" and f.status == Status.PASS]
    assert "no mail goes to mx2.example.org at 127.0.140.1" in passed.summary
    [testing] = [f for f in found if f.id == "MTASTS-33"]
    assert "Do not switch to enforce" not in testing.summary
    assert "mode: enforce\nmx: mx1.example.org\nmx: mx2.example.org\n" in testing.fix


def test_only_hosts_that_accept_no_mail_give_no_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing validated: no pass and no enforce suggestion, though nothing failed either.
    probe = greeted(GREETING_521)
    found = evaluate(
        monkeypatch,
        GREETED | {("mx1.example.org", "A"): [GREETER]},
        body=TESTING,
        probes={"mx1.example.org": probe, "mx2.example.org": probe},  # type: ignore[dict-item]
    )
    assert [f.status for f in found if f.id == "MTASTS-32"] == [Status.INFO, Status.INFO]
    assert "mode: enforce" not in next(f.fix for f in found if f.id == "MTASTS-33")


@pytest.mark.parametrize("greeting", [GREETING_421, GREETING_554])
def test_421_and_554_greetings_stay_could_not_check(
    monkeypatch: pytest.MonkeyPatch, greeting: bytes
) -> None:
    probe = greeted(greeting)
    assert not probe.accepts_no_mail and probe.could_not_check
    smtp = _smtp_findings(probe)
    assert [f.status for f in smtp if f.id == "SMTP-01"] == [Status.ERROR]
    assert not [f for f in smtp if f.status == Status.FAIL]
    found = evaluate(monkeypatch, GREETED, body=TESTING, probes={"mx2.example.org": probe})  # type: ignore[dict-item]
    [unknown] = _on_mx2(found, "MTASTS-32")
    assert unknown.status == Status.ERROR
    assert "127.0.140.1" in unknown.summary and greeting[:3].decode() in unknown.summary
    assert "Do not switch to enforce" in next(f.summary for f in found if f.id == "MTASTS-33")
