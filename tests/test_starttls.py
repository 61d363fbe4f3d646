"""SMTP probe against real aiosmtpd servers on 127.0.0.1 with STARTTLS and minted certificates."""

from __future__ import annotations

import asyncio
import errno
import os
import ssl
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP

from checks import starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, Mechanism, Status
from tests.test_certs import Issued, Pki, make_leaf

HOST = "mx1.example.test"
ADDR = "127.0.0.1"


class _Handler:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def _server_context(
    tmp: Path,
    chain: list[Issued],
    *,
    maximum: ssl.TLSVersion | None = None,
    minimum: ssl.TLSVersion | None = None,
) -> ssl.SSLContext:
    leaf = chain[0]
    cert_path, key_path = tmp / f"{id(leaf)}.pem", tmp / f"{id(leaf)}.key"
    cert_path.write_bytes(b"".join(c.pem for c in chain))
    key_path.write_bytes(leaf.key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert_path), str(key_path))
    if minimum or maximum:
        context.set_ciphers("ALL:@SECLEVEL=0")
    if minimum:
        context.minimum_version = minimum
    if maximum:
        context.maximum_version = maximum
    return context


async def _serve(factory: Callable[[], asyncio.Protocol]) -> asyncio.Server:
    return await asyncio.get_running_loop().create_server(factory, host=ADDR, port=0)


def _port(server: asyncio.Server) -> int:
    return server.sockets[0].getsockname()[1]


def _config(port: int, bundle: str | None, **kw: Any) -> CheckConfig:
    values: dict[str, Any] = {
        "smtp_port": port,
        "ca_bundle": bundle,
        "allow_private_targets": True,
        "timeout": 2.0,
        "probe_cache_seconds": 0,
    }
    values.update(kw)
    return CheckConfig(**values)


def run_probe(
    make_server: Callable[[], Awaitable[asyncio.Server]],
    bundle: str | None,
    host: str = HOST,
    **kw: Any,
) -> starttls.SmtpProbe:
    async def main() -> starttls.SmtpProbe:
        server = await make_server()
        try:
            ctx = CheckContext("example.test", _config(_port(server), bundle, **kw))
            return await starttls.probe_mx(ctx, host, ADDR)
        finally:
            server.close()

    return asyncio.run(main())


def aiosmtpd_server(
    tls: ssl.SSLContext | None, hostname: str = HOST
) -> Callable[[], Awaitable[asyncio.Server]]:
    def factory() -> asyncio.Protocol:
        return SMTP(_Handler(), hostname=hostname, tls_context=tls, require_starttls=False)

    return lambda: _serve(factory)


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture()
def bundle(pki: Pki, tmp_path: Path) -> str:
    return pki.bundle(str(tmp_path / "ca.pem"))


def test_good(pki: Pki, bundle: str, tmp_path: Path) -> None:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST]), pki.inter])
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.connected and probe.ehlo_ok and probe.starttls_offered, probe
    assert probe.tls_ok and probe.tls_version == "TLSv1.3"
    assert len(probe.chain_der) == 2
    assert probe.verify_ok and probe.name_ok and probe.chain_complete
    assert probe.error_kind is None
    assert probe.mta_sts_ok
    assert probe.no_sni_ok is True
    assert not probe.starttls_after_tls
    # The TLS-1.2-only handshake (SMTP-07) showed TLS 1.2 too.
    assert probe.tls_versions_accepted == ["TLSv1.2", "TLSv1.3"]
    assert probe.leaf is not None and probe.leaf.sans == [HOST]


def test_no_starttls(bundle: str) -> None:
    probe = run_probe(aiosmtpd_server(None), bundle)
    assert probe.connected and probe.ehlo_ok
    assert not probe.starttls_offered and not probe.tls_ok
    assert probe.error_kind is None
    assert not probe.mta_sts_ok


def test_expired(pki: Pki, bundle: str, tmp_path: Path) -> None:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf([HOST], expired=True), pki.inter])
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.tls_ok and not probe.verify_ok
    assert probe.verify_error == "expired"
    assert probe.name_ok and probe.leaf is not None and probe.leaf.days_left is not None
    assert probe.leaf.days_left < 0
    assert not probe.mta_sts_ok


def test_wrong_name(pki: Pki, bundle: str, tmp_path: Path) -> None:
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf(["other.example.test"]), pki.inter])
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.tls_ok and not probe.name_ok and not probe.verify_ok
    assert probe.verify_error == "name-mismatch"


def test_cn_only_certificate_is_a_name_problem(pki: Pki, bundle: str, tmp_path: Path) -> None:
    # CN = the MX name, no subjectAltName: SMTP-11 needs a SAN DNS-ID (RFC 8461 §4.2); the chain
    # itself is fine, so SMTP-09 passes and SMTP-11 carries the failure.
    assert pki.inter is not None
    tls = _server_context(tmp_path, [pki.leaf(None, cn=HOST), pki.inter])
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.tls_ok and not probe.name_ok and not probe.mta_sts_ok
    assert probe.verify_error == "name-mismatch"
    for under_sts, smtp11 in ((True, Status.FAIL), (False, Status.WARN)):
        out = Collector(Mechanism.SMTP)
        starttls.certificate_findings(out, probe, HOST, {}, under_sts, False)
        found = {f.id: f.status for f in out.findings}
        assert found["SMTP-11"] == smtp11 and found["SMTP-09"] == Status.PASS


def test_expired_intermediate_is_a_chain_failure_naming_it(pki: Pki, bundle: str) -> None:
    # SMTP-09 fails as before, now saying which CA certificate expired; SMTP-10 judges the
    # leaf's own dates, which are fine.
    from tests.test_certs import make_ca

    stale = make_ca("Stale Issuing CA", pki.root, expired=True)
    probe = starttls.SmtpProbe(
        host=HOST, address="192.0.2.25", chain_der=[make_leaf(stale, [HOST]).der, stale.der]
    )
    starttls._analyse_chain(CheckConfig(ca_bundle=bundle), probe)
    assert (probe.verify_error, probe.expired_ca) == ("expired", "CN=Stale Issuing CA")
    for under_sts, smtp09 in ((True, Status.FAIL), (False, Status.WARN)):
        out = Collector(Mechanism.SMTP)
        starttls.certificate_findings(out, probe, HOST, {}, under_sts, False)
        found = {f.id: f for f in out.findings}
        assert found["SMTP-09"].status == smtp09
        assert "expired CA certificate" in found["SMTP-09"].summary
        assert "CN=Stale Issuing CA" in found["SMTP-09"].summary
        assert "not valid at validation time" not in found["SMTP-09"].summary
        assert found["SMTP-10"].status == Status.PASS
        assert "SMTP-16" not in found


def test_self_signed(bundle: str, tmp_path: Path) -> None:
    tls = _server_context(tmp_path, [make_leaf(None, [HOST], cn=HOST)])
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.tls_ok and probe.name_ok and not probe.verify_ok
    assert probe.verify_error == "self-signed"


def test_incomplete_chain(pki: Pki, bundle: str, tmp_path: Path) -> None:
    tls = _server_context(tmp_path, [pki.leaf([HOST])])
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.verify_error == "incomplete-chain" and not probe.chain_complete


def test_legacy_versions_reported(pki: Pki, bundle: str, tmp_path: Path) -> None:
    assert pki.inter is not None
    tls = _server_context(
        tmp_path,
        [pki.leaf([HOST], rsa_bits=2048), pki.inter],
        minimum=ssl.TLSVersion.TLSv1,
        maximum=ssl.TLSVersion.TLSv1_2,
    )
    probe = run_probe(aiosmtpd_server(tls), bundle)
    assert probe.tls_version == "TLSv1.2"
    assert probe.legacy_checked
    assert "TLSv1.1" in probe.tls_versions_accepted or "TLSv1" in probe.tls_versions_accepted


class _Scripted(asyncio.Protocol):
    """A fake SMTP server that sends a fixed greeting (or nothing) and closes."""

    def __init__(self, greeting: bytes | None) -> None:
        self.greeting = greeting

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        if self.greeting is not None:
            transport.write(self.greeting)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        if data.upper().startswith(b"QUIT"):
            self.transport.write(b"221 bye\r\n")  # type: ignore[attr-defined]
            self.transport.close()


def test_a_reply_line_over_the_stream_limit_is_a_protocol_error(bundle: str) -> None:
    # Over asyncio's 64 KiB line limit readline() raises ValueError; it must end as the same
    # SMTP-02 protocol failure as any too-long line, not escape and sink the whole mechanism.
    probe = run_probe(lambda: _serve(lambda: _Scripted(b"220 " + b"x" * 70_000 + b"\r\n")), bundle)
    assert probe.connected and probe.error_kind == "protocol"
    assert probe.problem == "reply line too long"
    out = Collector(Mechanism.SMTP)
    ctx = CheckContext("example.test", _config(25, None))
    starttls._per_probe(out, SimpleNamespace(name=HOST), probe, starttls._Context(), None, ctx)
    assert [(f.id, f.status) for f in out.findings] == [("SMTP-02", Status.FAIL)]


class _Dribbler(asyncio.Protocol):
    """Sends one '220-' continuation line every `gap` seconds, each well within the per-line
    timeout, so that only an overall deadline ends the session."""

    def __init__(self, gap: float) -> None:
        self.gap = gap

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.task = asyncio.ensure_future(self.drip())

    async def drip(self) -> None:
        for i in range(150):
            self.transport.write(b"220-still here %d\r\n" % i)  # type: ignore[attr-defined]
            await asyncio.sleep(self.gap)

    def connection_lost(self, exc: Exception | None) -> None:
        self.task.cancel()


def test_a_session_has_an_overall_deadline(bundle: str) -> None:
    # Per-line timeout 0.4 s, one line every 0.05 s: without a session deadline the 150-line
    # greeting alone would hold the probe for 7.5 s.
    started = time.monotonic()
    probe = run_probe(lambda: _serve(lambda: _Dribbler(0.05)), bundle, timeout=0.4)
    assert time.monotonic() - started < 3.0
    assert probe.error_kind == "timeout" and probe.could_not_check
    assert "answered too slowly" in probe.problem
    out = Collector(Mechanism.SMTP)
    starttls._reachability(out, [(None, probe)], CheckContext("example.test", _config(25, None)))
    assert [(f.id, f.status) for f in out.findings] == [("SMTP-01", Status.ERROR)]
    assert "answered too slowly" in out.findings[0].summary


def test_421_banner_is_temp_unavailable(bundle: str) -> None:
    greeting = b"421-mx1.example.test busy\r\n421 4.3.2 try again later\r\n"
    probe = run_probe(lambda: _serve(lambda: _Scripted(greeting)), bundle)
    assert probe.connected and probe.banner_code == 421
    assert probe.error_kind == "temp-unavailable"
    assert probe.could_not_check
    assert not probe.starttls_offered


def test_silent_server_times_out(bundle: str) -> None:
    probe = run_probe(lambda: _serve(lambda: _Scripted(None)), bundle, timeout=0.5)
    assert probe.connected
    assert probe.error_kind == "timeout" and probe.could_not_check


def test_connection_refused(bundle: str) -> None:
    async def closed_port() -> asyncio.Server:
        server = await _serve(lambda: _Scripted(None))
        return server

    async def main() -> starttls.SmtpProbe:
        server = await closed_port()
        port = _port(server)
        server.close()
        await server.wait_closed()
        ctx = CheckContext("example.test", _config(port, bundle))
        return await starttls.probe_mx(ctx, HOST, ADDR)

    probe = asyncio.run(main())
    assert probe.error_kind == "refused" and not probe.connected


def _probe_with_connect_error(monkeypatch: pytest.MonkeyPatch, exc: OSError) -> starttls.SmtpProbe:
    async def fail_to_connect(*args: Any, **kwargs: Any) -> Any:
        raise exc

    monkeypatch.setattr(starttls.net, "open_connection", fail_to_connect)
    ctx = CheckContext("example.test", _config(25, None))
    return asyncio.run(starttls.probe_mx(ctx, HOST, "2001:db8::25"))


def _smtp01(probe: starttls.SmtpProbe) -> list[Status]:
    out = Collector(Mechanism.SMTP)
    starttls._reachability(out, [(None, probe)], CheckContext("example.test", _config(25, None)))
    return [f.status for f in out.findings if f.id == "SMTP-01"]


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (errno.ENETUNREACH, "no-route"),
        (errno.EADDRNOTAVAIL, "no-route"),
        (errno.EAFNOSUPPORT, "no-route"),
        (errno.EHOSTUNREACH, "network"),
    ],
)
def test_network_trouble_on_our_side_is_could_not_check(
    monkeypatch: pytest.MonkeyPatch, code: int, kind: str
) -> None:
    # An IPv6-only MX checked from a host without IPv6: the server said nothing (checklist §0).
    probe = _probe_with_connect_error(monkeypatch, OSError(code, os.strerror(code)))
    assert probe.error_kind == kind and probe.could_not_check
    assert _smtp01(probe) == [Status.ERROR]


def test_a_family_this_checker_cannot_reach_is_not_held_against_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A dual-stack MX seen from a checker without IPv6: the IPv4 address was tested, the IPv6
    # one is "not tested from here" (info), so SMTP is not "could not be checked" (score v2).
    v6 = _probe_with_connect_error(monkeypatch, OSError(errno.ENETUNREACH, "unreachable"))
    v4 = starttls.SmtpProbe(host=HOST, address="192.0.2.25", connected=True, ehlo_ok=True)
    out = Collector(Mechanism.SMTP)
    ctx = CheckContext("example.test", _config(25, None))
    starttls._reachability(out, [(None, v4), (None, v6)], ctx)
    assert sorted(f.status for f in out.findings if f.id == "SMTP-01") == [
        Status.INFO,
        Status.PASS,
    ]
    assert "no IPv6 route" in next(f.summary for f in out.findings if f.status == Status.INFO)


def test_econnrefused_is_the_servers_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    probe = _probe_with_connect_error(monkeypatch, refused)
    assert probe.error_kind == "refused"
    assert _smtp01(probe) == [Status.FAIL]  # no other MX address answered


def _evaluate(zone: dict[tuple[str, str], list[str] | str], **kw: Any) -> list[Any]:
    from tests.test_mx import make_ctx

    return asyncio.run(starttls.evaluate(make_ctx("example.org", zone, **kw)))


@pytest.mark.parametrize(
    "zone",
    [
        # MX-06 fail: the only MX host has no address.
        {("example.org", "MX"): ["10 mx1.example.org."], ("mx1.example.org", "TXT"): ['"x"']},
        # MX-01 fail: no MX and no address.
        {("example.org", "TXT"): ['"v=spf1 -all"']},
        # MX-05: the only MX target is an IP address.
        {("example.org", "MX"): ["10 192.0.2.25."]},
    ],
)
def test_no_address_anywhere_fails_smtp01(zone: dict[tuple[str, str], list[str] | str]) -> None:
    # Nothing to connect to because nothing exists: a failure of the domain, scored as such,
    # never "does not apply" (only a null MX is that).
    from checks import scoring

    findings = _evaluate(zone)
    assert [(f.id, f.status) for f in findings] == [("SMTP-01", Status.FAIL)]
    category = scoring.score_category(starttls.MECHANISM, findings)
    assert category.counted and category.reason == "failing"


def test_bogus_mx_host_fails_smtp01() -> None:
    zone: dict[tuple[str, str], list[str] | str] = {
        ("example.org", "MX"): ["10 mx.provider.example."],
        ("mx.provider.example", "A"): "SERVFAIL",
        ("mx.provider.example", "AAAA"): "SERVFAIL",
    }
    cd: dict[tuple[str, str], list[str] | str] = {("mx.provider.example", "A"): ["192.0.2.7"]}
    # The CD retry answers with RRSIGs: signed data that fails validation.
    findings = _evaluate(zone, cdzone=cd, cd_signed=True)
    assert [(f.id, f.status) for f in findings] == [("SMTP-01", Status.FAIL)]
    assert "DNSSEC" in findings[0].summary
    # Without proof of bogus data, the SERVFAIL stays "could not check".
    assert [(f.id, f.status) for f in _evaluate(zone)] == [("SMTP-01", Status.ERROR)]


def test_servfail_of_an_unsigned_mx_host_is_not_bogus() -> None:
    # No RFC 8914 error, and the CD retry answers without RRSIGs: the zone is unsigned, so the
    # SERVFAIL was trouble on the way (RFC 4035 §4.3), never "bogus, cannot receive mail".
    zone: dict[tuple[str, str], list[str] | str] = {
        ("example.org", "MX"): ["10 mx.provider.example."],
        ("mx.provider.example", "A"): "SERVFAIL",
        ("mx.provider.example", "AAAA"): "SERVFAIL",
    }
    cd: dict[tuple[str, str], list[str] | str] = {("mx.provider.example", "A"): ["192.0.2.7"]}
    findings = _evaluate(zone, cdzone=cd, cd_signed=False)
    assert [(f.id, f.status) for f in findings] == [("SMTP-01", Status.ERROR)]


def test_a_host_whose_address_lookup_failed_is_named_alone() -> None:
    # No address was found, so none is printed: the subject is the host (as alerts key a
    # host's problems), not "mx1.example.org []".
    zone: dict[tuple[str, str], list[str] | str] = {
        ("example.org", "MX"): ["10 mx1.example.org."],
        ("mx1.example.org", "A"): "SERVFAIL",
        ("mx1.example.org", "AAAA"): "SERVFAIL",
    }
    findings = _evaluate(zone)
    assert [(f.id, f.status, f.subject) for f in findings] == [
        ("SMTP-01", Status.ERROR, "mx1.example.org")
    ]
    assert findings[0].summary.startswith(
        "mx1.example.org was not tested: its addresses could not be looked up (SERVFAIL"
    )
    assert "[" not in findings[0].summary


def test_mx_with_only_private_addresses_fails_smtp01_in_production() -> None:
    # mail.example.org A 10.1.2.3: the guard refuses it, and so does the internet. That is the
    # domain's failure, not "was not tested".
    zone: dict[tuple[str, str], list[str] | str] = {
        ("example.org", "MX"): ["10 mail.example.org."],
        ("mail.example.org", "A"): ["10.1.2.3"],
    }
    findings = _evaluate(zone, allow_private_targets=False, timeout=1.0)
    assert [(f.id, f.status) for f in findings] == [("SMTP-01", Status.FAIL)]
    assert findings[0].summary.startswith(
        "mail.example.org has only the private address 10.1.2.3: senders on the internet "
        "cannot reach it."
    )
    assert findings[0].fix and "public address" in findings[0].fix


def test_no_public_address_is_judged_on_the_whole_mx_set() -> None:
    # mail is private; the backup's lookup failed: it may well be public, so mail is a warning
    # (as MX-06 says), not "no mail can be delivered".
    zone: dict[tuple[str, str], list[str] | str] = {
        ("example.org", "MX"): ["10 mail.example.org.", "20 backup.example.org."],
        ("mail.example.org", "A"): ["10.1.2.3"],
        ("backup.example.org", "A"): "SERVFAIL",
        ("backup.example.org", "AAAA"): "SERVFAIL",
    }
    findings = _evaluate(zone, allow_private_targets=False, timeout=1.0)
    private = [f for f in findings if f.id == "SMTP-01" and f.subject == "mail.example.org"]
    assert [f.status for f in private] == [Status.WARN]
    assert "no mail can be delivered" not in private[0].summary


def test_a_private_address_next_to_public_ones_warns() -> None:
    # A public address (documentation ranges are not public); nothing connects to it here.
    public = starttls.SmtpProbe(host=HOST, address="9.9.9.25", connected=True, ehlo_ok=True)
    private = starttls.SmtpProbe(
        host="mx2.example.test", address="10.1.2.3", error_kind="guard", problem="refused"
    )
    out = Collector(Mechanism.SMTP)
    ctx = CheckContext("example.test", _config(25, None, allow_private_targets=False))
    starttls._reachability(out, [(None, public), (None, private)], ctx)
    assert [(f.status, f.subject) for f in out.findings] == [
        (Status.WARN, "mx2.example.test"),
        (Status.PASS, f"{HOST} [9.9.9.25]"),
    ]
    assert "only the private address 10.1.2.3" in out.findings[0].summary


def test_null_mx_does_not_apply() -> None:
    from checks import scoring

    findings = _evaluate({("example.org", "MX"): ["0 ."]})
    assert [(f.id, f.status) for f in findings] == [("SMTP-01", Status.NA)]
    assert scoring.score_category(starttls.MECHANISM, findings).reason == "does not apply"


@pytest.mark.lab
@pytest.mark.parametrize(
    ("domain", "fail", "warn"),
    [
        ("f01.lab.test", set(), set()),
        ("f25.lab.test", {"SMTP-09", "SMTP-16"}, set()),
        ("f28.lab.test", {"SMTP-03"}, set()),
        ("f29.lab.test", {"SMTP-10"}, set()),
        ("f30a.lab.test", {"SMTP-11"}, set()),
        ("f30b.lab.test", {"SMTP-11"}, set()),
        ("f31.lab.test", {"SMTP-09"}, set()),
        ("f32a.lab.test", {"SMTP-07"}, set()),
        ("f32b.lab.test", set(), {"SMTP-07"}),
        ("f33.lab.test", set(), set()),
    ],
)
def test_lab_fixtures(lab: Any, domain: str, fail: set[str], warn: set[str]) -> None:
    host, port = lab.resolver.split(":")
    config = CheckConfig(
        resolvers=((host, int(port)),),
        ca_bundle=lab.ca_bundle,
        allow_private_targets=True,
        extra_public_suffixes=("test", "lab.test"),
    )
    findings = asyncio.run(starttls.evaluate(CheckContext(domain, config)))
    assert {f.id for f in findings if f.status == "fail"} == fail
    assert {f.id for f in findings if f.status == "warn"} == warn
    # Findings name the MX and the IP.
    assert all("[" in f.subject for f in findings if f.status in ("fail", "warn"))


def test_smtp08_says_what_it_did_not_test() -> None:
    # Only the chosen suite is seen: never a pass claiming no weak suite is accepted.
    probe = starttls.SmtpProbe(
        host=HOST,
        address="192.0.2.25",
        connected=True,
        ehlo_ok=True,
        starttls_offered=True,
        tls_ok=True,
        cipher="TLS_AES_256_GCM_SHA384",
    )
    host = SimpleNamespace(name=HOST)
    ctx = CheckContext("example.test", _config(25, None))
    out = Collector(Mechanism.SMTP)
    starttls._per_probe(out, host, probe, starttls._Context(), None, ctx)
    (smtp08,) = [f for f in out.findings if f.id == "SMTP-08"]
    assert smtp08.status == Status.INFO and "was not tested" in smtp08.summary
