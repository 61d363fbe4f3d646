"""TLSRPT-10 and free-check leftovers (s27t).

- A zone id in an IPv6-literal rua (https://[fe80::1%25eth0]/r) names an interface of the
  sender's own host (RFC 6874 §1): a reporter on the internet has no such link, and RFC 8460 §3
  takes its tlsrpt-uri from RFC 3986, whose IP-literal holds no zone id. The address is
  unusable (TLSRPT-06, as an invalid port is), left out of the record offered, never probed;
  https.fetch refuses such a URL unconnected.
- A 3xx found by the unverified retry (after a refused certificate) says it came from there.
- Each https rua gets its own verdict; and a report host whose addresses answer the probe
  differently (one refuses the connection, another presents a refused certificate and takes the
  POST without it) has each address's verdict named, not only the first failure's.
- The free check reads 'a\\b@example.com' and '"a b"@example.com' as addresses at example.com
  (RFC 5321 §4.1.2: a quoted local part or a quoted-pair is valid; only the domain matters).

Probe tests use local HTTPS servers on 127.0.0.88 and 127.0.0.90 (one port for both: the probe
follows CheckConfig.https_port), never the network."""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path

import pytest

from checks import https, tlsrpt
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.domainname import DomainNameError, to_ascii_domain
from checks.findings import Finding, Status
from tests.test_engine_s25p import answer, tlsrpt10
from tests.test_engine_s26p import redirect
from tests.test_https import TlsServer
from tests.test_mx import make_ctx

D = "example.org"
ZONED = "https://[fe80::1%25eth0]/r"


class BoundServer(TlsServer):
    """A TlsServer listening on `ip` (and `port`, 0 for any free one) instead of 127.0.0.1."""

    def __init__(self, tmp: Path, host: str, response: bytes, ip: str, port: int = 0, **kw):  # type: ignore[no-untyped-def]
        super().__init__(tmp, host, response, **kw)
        self.close()  # the 127.0.0.1 listener; its thread ends at its next accept timeout
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((ip, port))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()


def findings_for(rua: str, hosts: dict[str, list[str]], port: int, ca: str | None) -> list[Finding]:
    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "MX"): ["10 mx1.example.org."],
        ("mx1.example.org", "A"): ["192.0.2.11"],
        (f"_smtp._tls.{D}", "TXT"): [f'"v=TLSRPTv1; rua={rua}"'],
        **{(h, "A"): addrs for h, addrs in hosts.items()},
    }
    ctx = make_ctx(D, zone, https_port=port, ca_bundle=ca, timeout=2.0)
    return asyncio.run(tlsrpt.evaluate(ctx))


def free_port(ip: str) -> int:
    sock = socket.socket()
    sock.bind((ip, 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


# ---------------------------------------------------------------- 1. zone ids


@pytest.mark.parametrize("zoned", [ZONED, "https://[fe80::1%eth0]/r", "https://[fe80::1%251]/r"])
def test_a_zone_id_rua_beside_another_address_is_an_unusable_address(zoned: str) -> None:
    record = tlsrpt.parse_tlsrpt_record(f"v=TLSRPTv1; rua=mailto:tls@example.org,{zoned}")
    [problem] = [p for p in record.problems if p.check_id == "TLSRPT-06"]
    assert problem.status == Status.WARN
    assert "zone" in problem.message and "RFC 6874" in problem.message
    assert [u.usable for u in record.uris] == [True, False]


def test_a_zone_id_rua_alone_leaves_no_usable_address() -> None:
    record = tlsrpt.parse_tlsrpt_record(f"v=TLSRPTv1; rua={ZONED}")
    [problem] = [p for p in record.problems if p.check_id == "TLSRPT-06"]
    assert problem.status == Status.FAIL


def test_a_plain_ipv6_literal_rua_stays_usable() -> None:
    record = tlsrpt.parse_tlsrpt_record("v=TLSRPTv1; rua=https://[2001:db8::7]/r")
    assert [u.usable for u in record.uris] == [True]
    assert not [p for p in record.problems if p.check_id == "TLSRPT-06"]


def test_a_zone_id_rua_is_not_probed_and_left_out_of_the_fix() -> None:
    findings = findings_for(f"mailto:tls@example.org,{ZONED}", {}, 9, None)
    assert not [f for f in tlsrpt10(findings) if f.subject == ZONED]
    [warn] = [f for f in findings if f.id == "TLSRPT-06"]
    assert warn.status == Status.WARN
    assert "rua=mailto:tls@example.org" in warn.fix and "fe80" not in warn.fix


def test_fetch_refuses_a_zone_id_url_unconnected() -> None:
    ctx = CheckContext(D, CheckConfig(allow_private_targets=True, timeout=1.0))
    result = asyncio.run(https.fetch(ctx, ZONED, post=tlsrpt._PROBE))
    assert result.error_kind == "http", result.error
    assert "zone" in result.error
    assert result.per_address == []


# ---------------------------------------------------------------- 2. the retry's redirect


def test_a_redirect_met_by_the_unverified_retry_says_so(tmp_path: Path) -> None:
    where = "https://collector.example.com/x"
    server = BoundServer(
        tmp_path, "rpt.example.net", redirect(307, "Temporary Redirect", where), "127.0.0.90",
        expired=True,
    )  # fmt: skip
    try:
        findings = findings_for(
            "https://rpt.example.net/v1",
            {"rpt.example.net": ["127.0.0.90"]},
            server.port,
            server.ca_bundle,
        )
    finally:
        server.close()
    [warn] = [f for f in tlsrpt10(findings) if f.status == Status.WARN]
    assert "certificate" in warn.summary and "expired" in warn.summary
    assert "without verifying" in warn.summary
    assert f"HTTP 307 to {where}" in warn.summary


# ---------------------------------------------------------------- 3. a verdict for each


def test_two_urls_one_refused_one_with_a_bad_certificate_get_a_verdict_each(
    tmp_path: Path,
) -> None:
    # Passes before the s27t changes too: pinned, as the leftover note said otherwise.
    server = BoundServer(tmp_path, "b.example.net", answer(200), "127.0.0.90", expired=True)
    try:
        findings = findings_for(
            "https://a.example.net/r,https://b.example.net/r",
            {"a.example.net": ["127.0.0.88"], "b.example.net": ["127.0.0.90"]},
            server.port,
            server.ca_bundle,
        )
    finally:
        server.close()
    by_subject = {f.subject: f for f in tlsrpt10(findings)}
    assert by_subject["https://a.example.net/r"].status == Status.WARN
    assert "could not connect" in by_subject["https://a.example.net/r"].summary
    assert by_subject["https://b.example.net/r"].status == Status.INFO
    assert "expired" in by_subject["https://b.example.net/r"].summary


@pytest.mark.parametrize(
    "order", [["127.0.0.88", "127.0.0.90"], ["127.0.0.90", "127.0.0.88"]], ids=["88-90", "90-88"]
)
def test_a_host_whose_addresses_answer_differently_has_each_named(
    tmp_path: Path, order: list[str]
) -> None:
    server = BoundServer(tmp_path, "rpt.example.net", answer(200), "127.0.0.90", expired=True)
    url = "https://rpt.example.net/r"
    try:
        findings = findings_for(url, {"rpt.example.net": order}, server.port, server.ca_bundle)
    finally:
        server.close()
    said = tlsrpt10(findings)
    text = " ".join(f.summary for f in said)
    # The certificate of 127.0.0.90, refused (info: reporters may ignore it)...
    [info] = [f for f in said if f.status == Status.INFO]
    assert "expired" in info.summary and "127.0.0.90" in info.summary
    # ...and the refusal of 127.0.0.88, a reporter connecting there delivering nothing.
    [warn] = [f for f in said if f.status == Status.WARN]
    assert "127.0.0.88" in warn.summary and "could not connect" in warn.summary
    assert "127.0.0.90" in warn.summary and "HTTP 200" in warn.summary
    assert "127.0.0.88" in warn.fix
    assert "cannot be delivered" not in text  # one address takes it


# ---------------------------------------------------------------- 4. free-check addresses


@pytest.mark.parametrize(
    "typed",
    [
        r"a\b@example.com",
        r"a\@b@example.com",
        r'"a b"@example.com',
        r'"a/b"@example.com',
        r'"a\"b"@example.com',
        r'"a#b?c"@example.com',
        r'"a\b"@example.com',
        "Alice <a\\b@example.com>",
        "mailto:a\\b@example.com",
    ],
)
def test_an_address_with_a_quoted_or_escaped_local_part_checks_its_domain(typed: str) -> None:
    assert to_ascii_domain(typed) == "example.com"


@pytest.mark.parametrize("typed", [r"a\b@exa\mple.com", r"a\b@localhost", r'"a b"@exa mple.com'])
def test_an_address_whose_domain_is_bad_is_still_refused(typed: str) -> None:
    with pytest.raises(DomainNameError):
        to_ascii_domain(typed)


def test_a_url_path_is_still_cut_at_a_backslash() -> None:
    assert to_ascii_domain("example.com\\path") == "example.com"
    assert to_ascii_domain("https://example.com\\x@evil.example/") == "example.com"
