"""MTASTS-13: a policy host that answers SNI mta-sts.<domain> with its default certificate.

A shared web server or CDN without a site for the name answers a handshake asking for it
(SNI) with whatever certificate it presents to a client that names no host: its default.
RFC 8461 §7.1: servers "MUST respond with a certificate chain that matches the policy
hostname or abort the TLS handshake"; checklist MTASTS-13 fails an SNI-selected certificate
that does not match, typical of such a default vhost. When the certificate does not cover the
host, the MTA-STS fetch asks once more without SNI: the same leaf means the server ignored
the name (MTASTS-13, one finding); another leaf, or no answer, leaves MTASTS-12 as before.
Real TLS on 127.0.0.1 as in test_https; no lab."""

from __future__ import annotations

import ssl
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from checks import https, mtasts
from checks.context import CheckContext
from checks.findings import Status
from checks.https import HttpsResult
from tests.test_https import POLICY, StubDns, TlsServer, _cert, run

HOST = "mta-sts.example.org"
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(POLICY)
) + POLICY


class SniServer(TlsServer):
    """An HTTPS server choosing its certificate by SNI, as a shared web server does: `sites`
    maps a name to the SANs of its certificate; any other name, and a handshake without SNI,
    gets the default certificate (`default` SANs), or the alert unrecognized_name when
    `default` is None. Every handshake's SNI is noted in `asked` (None: without SNI)."""

    def __init__(self, tmp: Path, sites: dict[str, list[str]], default: list[str] | None) -> None:
        ca, ca_key = _cert("Test Root", ca=True)
        (tmp / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        self.ca_bundle = str(tmp / "ca.pem")

        def context(label: str, sans: list[str]) -> ssl.SSLContext:
            leaf, key = _cert(sans[0], ca_key, ca.subject, sans=sans)
            (tmp / f"{label}.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
            (tmp / f"{label}.key").write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tmp / f"{label}.pem", tmp / f"{label}.key")
            return ctx

        per = {name: context(f"site{i}", sans) for i, (name, sans) in enumerate(sites.items())}
        # The listener's own context: the default certificate, or (none) a placeholder whose
        # certificate is never sent, since the callback refuses first.
        self.ctx = context("default", default or ["placeholder.invalid"])
        self.asked: list[str | None] = []

        def pick(sslobj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> int | None:
            self.asked.append(name)
            if name and name in per:
                sslobj.context = per[name]
            elif default is None:
                return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
            return None

        self.ctx.sni_callback = pick
        self.response = RESPONSE
        self.requests: list[bytes] = []
        self._listen()


def fetch_from(server: SniServer, *, ask_without_sni: bool = True) -> HttpsResult:
    stub = StubDns({HOST: ["127.0.0.1"]})
    try:
        cfg = stub.config(
            allow_private_targets=True, https_port=server.port, ca_bundle=server.ca_bundle
        )
        return run(
            https.fetch(
                CheckContext("example.org", cfg),
                mtasts.policy_url("example.org"),
                ask_without_sni=ask_without_sni,
            )
        )
    finally:
        stub.close()
        server.close()


def problems(result: HttpsResult) -> dict[str, tuple[Status, str, str]]:
    """check id → (status, summary, fix) of the fetch's findings."""
    return {
        p.check_id: (p.status, p.message, mtasts._fetch_fix("example.org", result, p))
        for p in mtasts._fetch_problems(result)
    }


def test_a_server_answering_every_name_with_its_default_certificate_is_mtasts13(
    tmp_path: Path,
) -> None:
    # A shared server with sites for other names only: SNI mta-sts.example.org gets the
    # default certificate, the same one a handshake without SNI gets.
    server = SniServer(
        tmp_path, {"shop.example.net": ["shop.example.net"]}, default=["host1.hoster.example"]
    )
    result = fetch_from(server)
    assert server.asked.count(None) == 1  # one more handshake, without SNI
    assert result.error_kind == "tls-cert"
    assert result.cert is not None and result.cert.same_without_sni is True
    found = problems(result)
    assert "MTASTS-12" not in found  # one fault, one finding
    status, summary, fix = found["MTASTS-13"]
    assert status == Status.FAIL
    assert "default certificate" in summary and "host1.hoster.example" in summary
    assert "without SNI" in summary and "RFC 8461 §7.1" in summary
    assert f"site (virtual host) for {HOST}" in fix and "127.0.0.1" in fix
    assert "host1.hoster.example" in fix
    assert "mailsec" not in fix  # no hosting to offer where mailsec hosts no policies
    (problem,) = [p for p in mtasts._fetch_problems(result) if p.check_id == "MTASTS-13"]
    offered = mtasts._fetch_fix("example.org", result, problem, ours="sts.mailsec.example")
    assert offered.startswith(fix) and "point mta-sts.example.org to sts.mailsec.example" in offered


def test_a_server_with_one_site_for_another_name_says_its_names(tmp_path: Path) -> None:
    # The owner's own web server, one certificate for the site, served for every name.
    server = SniServer(tmp_path, {}, default=["example.org", "www.example.org"])
    result = fetch_from(server)
    found = problems(result)
    assert "MTASTS-12" not in found
    status, summary, _ = found["MTASTS-13"]
    assert status == Status.FAIL and "example.org, www.example.org" in summary


def test_a_certificate_the_server_chose_for_the_name_stays_mtasts12(tmp_path: Path) -> None:
    # SNI picks a site of its own for the name, with a certificate for other names: the
    # server honours SNI, the certificate installed for the name is wrong (checklist F09b).
    server = SniServer(
        tmp_path,
        {HOST: ["example.org", "www.example.org"]},
        default=["host1.hoster.example"],
    )
    result = fetch_from(server)
    assert server.asked.count(None) == 1
    assert result.cert is not None and result.cert.same_without_sni is False
    found = problems(result)
    assert "MTASTS-13" not in found
    status, summary, _ = found["MTASTS-12"]
    assert status == Status.FAIL
    assert "not valid for mta-sts.example.org (its names: example.org, www.example.org)" in summary
    assert "default" not in summary


def test_a_refused_handshake_without_sni_changes_nothing(tmp_path: Path) -> None:
    # A handshake without SNI is refused: nothing learnt, MTASTS-12 as before.
    server = SniServer(tmp_path, {HOST: ["www.example.org"]}, default=None)
    result = fetch_from(server)
    assert server.asked.count(None) == 1
    assert result.cert is not None and result.cert.same_without_sni is None
    found = problems(result)
    assert "MTASTS-13" not in found and found["MTASTS-12"][0] == Status.FAIL


def test_a_certificate_made_for_the_host_with_a_wrong_wildcard_stays_mtasts12(
    tmp_path: Path,
) -> None:
    # *.mta-sts.example.org was meant for the host (a wildcard never covers the name it
    # stands under): the same certificate without SNI says nothing of a default vhost, and
    # MTASTS-12's fix explains the wildcard. Not asked.
    server = SniServer(tmp_path, {}, default=["*.mta-sts.example.org"])
    result = fetch_from(server)
    assert None not in server.asked
    found = problems(result)
    assert "MTASTS-13" not in found
    status, _, fix = found["MTASTS-12"]
    assert status == Status.FAIL and "A wildcard name never covers" in fix


def test_other_fetches_make_no_handshake_without_sni(tmp_path: Path) -> None:
    # BIMI's logo and evidence hosts, TLS-RPT's endpoints: only the policy fetch asks.
    server = SniServer(tmp_path, {}, default=["host1.hoster.example"])
    result = fetch_from(server, ask_without_sni=False)
    assert None not in server.asked
    assert result.cert is not None and result.cert.same_without_sni is None
    assert problems(result)["MTASTS-12"][0] == Status.FAIL


def test_a_matching_certificate_asks_nothing_more(tmp_path: Path) -> None:
    server = SniServer(tmp_path, {HOST: [HOST]}, default=["host1.hoster.example"])
    result = fetch_from(server)
    assert result.ok and None not in server.asked


def test_the_handshake_without_sni_stays_in_the_fetch_budget(tmp_path: Path) -> None:
    # A server that takes the handshake without SNI and does not finish it: the fetch ends
    # within its limit (0.8 s), not a connection's timeout (2 s) later, and the verdict is
    # the one without the answer (MTASTS-12).
    server = SniServer(tmp_path, {}, default=["host1.hoster.example"])
    original = server.ctx.sni_callback

    def stall(sslobj: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> int | None:
        if name is None:
            time.sleep(3)
        return original(sslobj, name, ctx)  # type: ignore[misc]

    server.ctx.sni_callback = stall
    stub = StubDns({HOST: ["127.0.0.1"]})
    try:
        cfg = stub.config(
            allow_private_targets=True,
            https_port=server.port,
            ca_bundle=server.ca_bundle,
            timeout=2.0,
        )
        started = time.monotonic()
        result = run(
            https.fetch(
                CheckContext("example.org", cfg),
                mtasts.policy_url("example.org"),
                timeout=0.8,
                ask_without_sni=True,
            )
        )
        took = time.monotonic() - started
    finally:
        stub.close()
        server.close()
    assert took < 1.8  # not the 2 s of a connection's own timeout
    assert result.cert is not None and result.cert.same_without_sni is None
    assert problems(result)["MTASTS-12"][0] == Status.FAIL
