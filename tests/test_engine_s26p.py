"""TLSRPT-10's https probe, follow-ups of s25p (checklist §3 10; RFC 8460 §5.4: reporters POST
the report and need a 2xx back).

- A 3xx answer to the POST is no 2xx: HTTP clients that follow a 301/302/303 repeat a POST as
  a GET without the body (RFC 9110 §15.4.2-15.4.4), and many do not follow a redirect of a
  POST at all (307/308 keep the method only for clients that do follow). Either way the report
  may be lost: warn, naming where the redirect leads. mailsec never follows it.
- An IP-literal rua (https://192.0.2.1/...) is probed like a name: through the SSRF guard (a
  private address refused: "could not check", never a warn), the certificate read against the
  address (a reporter verifies an IP SAN, not a DNS name).
- A refused certificate costs the endpoint one POST in all (the unverified one), not two.
- Our own /tlsrpt/<token> answers such an empty probe 400 "empty body" and stores nothing: a
  mailsec-like checker probing it is no report.

Against local HTTPS servers (the probe follows CheckConfig.https_port), never the network."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from checks import tlsrpt
from checks.findings import Finding, Status
from tests.lab.pki import LabPKI
from tests.lab.scenarios import CertSpec
from tests.test_engine_s25p import HOST, URL, answer, probed, serve, tlsrpt10
from tests.test_https import TlsServer
from tests.test_mx import make_ctx

D = "example.org"
ELSEWHERE = "https://collector.example.com/tlsrpt"


def redirect(status: int, reason: str, location: str | None = ELSEWHERE) -> bytes:
    where = f"Location: {location}\r\n" if location is not None else ""
    return (
        f"HTTP/1.1 {status} {reason}\r\n{where}Content-Length: 0\r\nConnection: close\r\n\r\n"
    ).encode()


def posts(server: TlsServer) -> list[bytes]:
    return [r for r in server.requests if r.startswith(b"POST ")]


# ---------------------------------------------------------------- redirects


@pytest.mark.parametrize(
    ("status", "reason"), [(301, "Moved Permanently"), (302, "Found"), (303, "See Other")]
)
def test_a_redirect_that_turns_the_post_into_a_get_warns(
    tmp_path: Path, status: int, reason: str
) -> None:
    server = serve(tmp_path, redirect(status, reason))
    [finding] = tlsrpt10(probed(server))
    assert finding.status == Status.WARN, finding.summary
    assert f"HTTP {status}" in finding.summary and ELSEWHERE in finding.summary
    assert "GET" in finding.summary and "RFC 9110" in finding.summary
    assert finding.subject == URL
    assert ELSEWHERE in finding.fix and "/v1/report" in finding.fix
    assert finding.evidence["status"] == status
    assert len(server.requests) == 1  # never followed


@pytest.mark.parametrize(
    ("status", "reason"), [(307, "Temporary Redirect"), (308, "Permanent Redirect")]
)
def test_a_redirect_keeping_the_post_warns_that_some_reporters_do_not_follow(
    tmp_path: Path, status: int, reason: str
) -> None:
    server = serve(tmp_path, redirect(status, reason))
    [finding] = tlsrpt10(probed(server))
    assert finding.status == Status.WARN, finding.summary
    assert f"HTTP {status}" in finding.summary and ELSEWHERE in finding.summary
    assert "do not follow" in finding.summary
    assert f"rua={ELSEWHERE}" in finding.fix
    assert len(server.requests) == 1


def test_a_relative_location_is_named_as_the_url_it_leads_to(tmp_path: Path) -> None:
    server = serve(tmp_path, redirect(308, "Permanent Redirect", "/v2/report"))
    [finding] = tlsrpt10(probed(server))
    assert finding.status == Status.WARN
    assert f"https://{HOST}/v2/report" in finding.summary
    assert len(server.requests) == 1


def test_a_redirect_without_a_location_warns_too(tmp_path: Path) -> None:
    server = serve(tmp_path, redirect(302, "Found", None))
    [finding] = tlsrpt10(probed(server))
    assert finding.status == Status.WARN
    assert "HTTP 302" in finding.summary and "no Location" in finding.summary


def test_a_redirect_behind_a_refused_certificate_says_both(tmp_path: Path) -> None:
    server = serve(tmp_path, redirect(307, "Temporary Redirect"), expired=True)
    statuses = sorted(f.status for f in tlsrpt10(probed(server)))
    assert statuses == sorted([Status.INFO, Status.WARN])


# ---------------------------------------------------------------- one POST at most


def test_a_refused_certificate_costs_the_endpoint_one_post_in_all(tmp_path: Path) -> None:
    server = serve(tmp_path, answer(200), expired=True)
    [finding] = tlsrpt10(probed(server))
    assert finding.status == Status.INFO
    # The verified try stops at the handshake, the certificate capture sends nothing, and the
    # unverified try is the one POST.
    assert len(posts(server)) == 1


def test_a_good_endpoint_gets_one_post(tmp_path: Path) -> None:
    server = serve(tmp_path, answer(201, "Created"))
    [finding] = tlsrpt10(probed(server))
    assert finding.status == Status.PASS
    assert len(posts(server)) == len(server.requests) == 1


# ---------------------------------------------------------------- IP literals


def serve_ip(tmp: Path, response: bytes, *, ips: list[str], names: list[str]) -> TlsServer:
    """A TlsServer on 127.0.0.1 presenting a lab leaf (Lab Issuing CA 1, sent with it) whose
    SANs are `ips` (IP addresses) and `names` (DNS names); the lab root is the trusted bundle."""
    server = TlsServer(tmp, HOST, response)
    pki = LabPKI()
    leaf = pki.leaf("s26p-ip-leaf", HOST, CertSpec(sans=(*ips, *names)))
    cert, key = pki.write_server(leaf, tmp / "lab", "ip-leaf")
    server.ctx.load_cert_chain(cert, key)  # replaces the DNS-name leaf before any connection
    server.ca_bundle = str(pki.write_cas(tmp / "lab"))
    return server


def literal_findings(
    server_port: int, ca_bundle: str | None, url: str, **kw: object
) -> list[Finding]:
    zone = {
        (D, "MX"): ["10 mx1.example.org."],
        ("mx1.example.org", "A"): ["192.0.2.11"],
        (f"_smtp._tls.{D}", "TXT"): [f'"v=TLSRPTv1; rua={url}"'],
    }
    ctx = make_ctx(D, zone, https_port=server_port, ca_bundle=ca_bundle, **kw)
    return asyncio.run(tlsrpt.evaluate(ctx))


LITERAL = "https://127.0.0.1/v1/report"


def test_an_ip_literal_url_is_probed_and_its_ip_certificate_accepted(tmp_path: Path) -> None:
    server = serve_ip(tmp_path, answer(200), ips=["127.0.0.1"], names=[])
    try:
        findings = literal_findings(server.port, server.ca_bundle, LITERAL)
    finally:
        server.close()
    [finding] = tlsrpt10(findings)
    assert finding.status == Status.PASS, finding.summary
    assert f"{LITERAL} takes POSTs" in finding.summary
    [request] = server.requests
    head = request.decode("latin-1").lower()
    assert head.startswith("post /v1/report http/1.1\r\n")
    assert f"host: 127.0.0.1:{server.port}\r\n" in head


def test_an_ip_literal_that_refuses_posts_warns(tmp_path: Path) -> None:
    server = serve_ip(tmp_path, answer(404, "Not Found"), ips=["127.0.0.1"], names=[])
    try:
        findings = literal_findings(server.port, server.ca_bundle, LITERAL)
    finally:
        server.close()
    [finding] = tlsrpt10(findings)
    assert finding.status == Status.WARN and "HTTP 404" in finding.summary


def test_a_certificate_without_the_address_is_info_naming_what_it_holds(tmp_path: Path) -> None:
    # Valid for a DNS name only: a reporter posting to https://127.0.0.1/ matches the
    # certificate against the address, so it does not fit.
    server = serve_ip(tmp_path, answer(200), ips=["127.0.0.2"], names=[HOST])
    try:
        findings = literal_findings(server.port, server.ca_bundle, LITERAL)
    finally:
        server.close()
    [finding] = tlsrpt10(findings)
    assert finding.status == Status.INFO, finding.summary
    assert "not valid for the address 127.0.0.1" in finding.summary
    assert "127.0.0.2" in finding.summary and HOST in finding.summary
    assert "IP address" in finding.fix
    assert len(posts(server)) == 1  # and the URL, posted to as a reporter ignoring it, took it


def test_a_private_ip_literal_is_refused_by_the_guard_as_could_not_check(tmp_path: Path) -> None:
    server = serve_ip(tmp_path, answer(200), ips=["127.0.0.1"], names=[])
    try:
        findings = literal_findings(
            server.port, server.ca_bundle, LITERAL, allow_private_targets=False
        )
    finally:
        server.close()
    assert server.requests == []
    [finding] = tlsrpt10(findings)
    assert finding.status == Status.ERROR
    assert "refused" in finding.summary and "127.0.0.1" in finding.summary


@pytest.mark.parametrize("url", ["https://192.0.2.1/r", "https://[2001:db8::7]/r"])
def test_documentation_literals_are_refused_unconnected_not_looked_up(url: str) -> None:
    findings = literal_findings(443, None, url, allow_private_targets=False)
    [finding] = tlsrpt10(findings)
    assert finding.status == Status.ERROR, finding.summary
    assert "refused" in finding.summary
    assert "does not exist" not in finding.summary  # the address is no name to look up


# ---------------------------------------------------------------- our own endpoint


@pytest.mark.django_db
def test_our_own_endpoint_answers_the_probe_400_empty_and_stores_nothing(client) -> None:  # type: ignore[no-untyped-def]
    from reports.models import RawReport, ReportAddress, TlsReport

    address = ReportAddress.objects.create(domain_name="example.com")
    probe = tlsrpt._PROBE
    response = client.post(
        f"/tlsrpt/{address.token}",
        data=probe.body,
        content_type=probe.content_type,
        HTTP_USER_AGENT=probe.user_agent,
    )
    assert response.status_code == 400
    assert "empty" in response.json()["error"]
    assert RawReport.objects.count() == 0 and TlsReport.objects.count() == 0
    address.refresh_from_db()
    assert not address.reports.exists()
