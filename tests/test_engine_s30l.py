"""Engine defects found by blind round s30l (tests/test_lab_s30l_blind.py).

- A server that lists anonymous (aNULL) suites first but also speaks TLS 1.3 (s30l-anontls13)
  was read as authenticating: the probe's first handshake is TLS 1.3, which has no anonymous
  suites, so it got the certificate. A sender speaking TLS 1.2 at most and offering both kinds
  of suite gets the anonymous one (RFC 7672 §8.2: servers should not select one when the
  client offers authenticated suites; checklist DANE-14 warn, SMTP-08 warn). The TLS 1.2
  handshake the probe already makes (SMTP-07) shows it; SMTP-08 and DANE-14 now warn.

Real aiosmtpd servers on 127.0.0.1 (tests/test_starttls.py); no lab.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from checks import https, mtasts
from checks.findings import Status
from tests.test_certs import Issued, Pki
from tests.test_engine_s12_review2 import BOTH, _dane, _state
from tests.test_starttls import HOST, aiosmtpd_server, run_probe
from tests.test_starttls_s11_dual_certs import _all


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _tls(tmp: Path, pki: Pki, ciphers: str, leaf: Issued) -> ssl.SSLContext:
    """TLS 1.2 and 1.3, the server's order of `ciphers` (TLS 1.2 suites) preferred."""
    assert pki.inter is not None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert, key = tmp / "leaf.pem", tmp / "leaf.key"
    cert.write_bytes(leaf.pem + pki.inter.pem)
    key.write_bytes(leaf.key_pem)
    context.load_cert_chain(str(cert), str(key))
    context.set_ciphers(ciphers)
    context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    return context


def test_anonymous_suites_first_on_a_tls13_server_warn_for_tls12_senders(
    pki: Pki, tmp_path: Path
) -> None:
    leaf = pki.leaf([HOST])
    probe = run_probe(
        aiosmtpd_server(_tls(tmp_path, pki, BOTH, leaf)), pki.bundle(str(tmp_path / "ca.pem"))
    )
    # The first handshake is TLS 1.3 with the certificate; TLS 1.2 got the anonymous suite.
    assert probe.tls_ok and probe.tls_version == "TLSv1.3" and probe.chain_der
    assert probe.tls12_accepted is True
    found = _all(probe, under_sts=False)
    (smtp08,) = [f for f in found if f.id == "SMTP-08"]
    assert smtp08.status == Status.WARN
    assert "AECDH-AES256-SHA" in smtp08.summary
    assert "TLS 1.2" in smtp08.summary
    by_id = {f.id: f for f in _dane(probe, _state(leaf.der))}
    assert by_id["DANE-07"].status == Status.PASS
    assert by_id["DANE-14"].status == Status.WARN
    assert "AECDH-AES256-SHA" in by_id["DANE-14"].summary
    assert "TLS 1.2" in by_id["DANE-14"].summary
    assert by_id["DANE-14"].fix


def test_a_tls13_server_without_anonymous_suites_still_passes(pki: Pki, tmp_path: Path) -> None:
    leaf = pki.leaf([HOST])
    ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384:@SECLEVEL=0"
    probe = run_probe(
        aiosmtpd_server(_tls(tmp_path, pki, ciphers, leaf)), pki.bundle(str(tmp_path / "ca.pem"))
    )
    assert probe.tls_version == "TLSv1.3" and probe.tls12_accepted is True
    (smtp08,) = [f for f in _all(probe, under_sts=False) if f.id == "SMTP-08"]
    assert smtp08.status == Status.INFO
    by_id = {f.id: f for f in _dane(probe, _state(leaf.der))}
    assert by_id["DANE-14"].status == Status.PASS


# ---- MTASTS-22/23: a comment written after a field's value -----------------------------------


def _problems(body: str, check_id: str) -> list[str]:
    policy = mtasts.parse_policy(body.encode())
    return [p.message for p in policy.problems if p.check_id == check_id]


@pytest.mark.parametrize(
    ("line", "check_id", "fixed"),
    [
        ("mode: enforce   # since 2026-11", "MTASTS-22", "mode: enforce"),
        ("max_age: 604800 # one week", "MTASTS-23", "max_age: 604800"),
    ],
)
def test_a_comment_after_a_value_is_named_as_such(line: str, check_id: str, fixed: str) -> None:
    """s30l-modecomment: 'mode: enforce   # since 2026-11' read "mode is 'enforce   # since
    2026-11'; it must be exactly enforce, testing or none (lower case).", which does not say
    that the comment is the fault (the policy format has no comments, RFC 8461 §3.2)."""
    lines = ["version: STSv1", "mode: enforce", "mx: mx1.example.org", "max_age: 604800"]
    key = line.split(":")[0]
    body = "\r\n".join(line if x.startswith(key + ":") else x for x in lines) + "\r\n"
    (message,) = _problems(body, check_id)
    assert "comment" in message
    assert f"'{fixed}'" in message
    assert "  " not in message


# ---- MTASTS-16: an oversize policy, and senders' cached copies -------------------------------


def _oversize(first_lines: str) -> str:
    body = first_lines.encode() + b"x-lab-padding: " + b"a" * 70_000 + b"\r\n"
    result = https.HttpsResult(
        url="https://mta-sts.example.org/.well-known/mta-sts.txt",
        host="mta-sts.example.org",
        status=200,
        headers={"content-type": "text/plain"},
        body=body[: mtasts.MAX_POLICY_BYTES],
        truncated=True,
    )
    (problem,) = [p for p in mtasts._fetch_problems(result) if p.check_id == "MTASTS-16"]
    assert problem.status == Status.FAIL
    return problem.message


def test_an_oversize_policy_says_senders_keep_the_policy_they_cached() -> None:
    """s30l-stsnonebig: 'senders stop reading at 64 KiB and drop it' left out what dropping it
    means (RFC 8461 §3.3): a sender with a cached policy keeps applying it until max_age runs
    out; one without delivers as if there were none."""
    message = _oversize("version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\n")
    assert "cached" in message
    assert "max_age" in message
    assert "withdraw" not in message


def test_an_oversize_mode_none_policy_says_the_withdrawal_does_not_happen() -> None:
    """A 'mode: none' file is how MTA-STS is withdrawn (RFC 8461 §8.3); over 64 KiB, senders
    drop it and keep the enforce or testing policy they cached."""
    message = _oversize("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n")
    assert "mode: none" in message
    assert "withdraw" in message
    assert "cached" in message
