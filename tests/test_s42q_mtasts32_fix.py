"""Task s42q, item 3: MTASTS-32 gives SMTP-04's fix for a STARTTLS whose TLS session fails
(a4ef55c2: both choose it in starttls.tls_setup_fix), but mtasts._session_failure passed no
problem, so a handshake alert naming cipher suites ("no shared cipher") got the plain text
there and the cipher-suite advice in SMTP-04. It passes the probe's problem (and whether a
NULL-only handshake completed) now: both findings give one remedy."""

from __future__ import annotations

from types import SimpleNamespace

from checks import mtasts, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, Mechanism

HOST = "mx1.example.test"
CIPHER = "TLS alert: handshake failure (the server's log says: no shared cipher)"
PLAIN = "TLS alert: unknown CA"


def probe(
    problem: str, *, reply: str = "220 2.0.0 Ready to start TLS", null: str = ""
) -> starttls.SmtpProbe:
    p = starttls.SmtpProbe(host=HOST, address="192.0.2.31", port=25)
    p.connected, p.ehlo_ok, p.starttls_offered = True, True, True
    p.extensions = ["STARTTLS"]
    p.error_kind, p.tls_ok, p.problem, p.starttls_reply = "tls-handshake", False, problem, reply
    p.null_cipher = null
    return p


def smtp04_fix(p: starttls.SmtpProbe) -> str:
    out = Collector(Mechanism.SMTP)
    ctx = CheckContext("example.test", CheckConfig(allow_private_targets=True))
    starttls._per_probe(out, SimpleNamespace(name=p.host), p, starttls._Context(), None, ctx)
    (found,) = [f for f in out.findings if f.id == "SMTP-04"]
    return found.fix


def mtasts32_fix(p: starttls.SmtpProbe) -> str:
    failure = mtasts._session_failure(p, HOST)
    assert failure is not None and failure.check == "SMTP-04"
    return failure.fix


def test_s42q_a_cipher_alert_gives_the_cipher_advice_in_both() -> None:
    p = probe(CIPHER)
    assert "cipher suites" in smtp04_fix(p)
    assert mtasts32_fix(p) == smtp04_fix(p)


def test_s42q_a_null_only_handshake_gives_the_cipher_advice_in_both() -> None:
    p = probe(PLAIN, null="TLS_RSA_WITH_NULL_SHA256")
    assert "cipher suites" in smtp04_fix(p)
    assert mtasts32_fix(p) == smtp04_fix(p)


def test_s42q_another_alert_keeps_the_plain_text_in_both() -> None:
    p = probe(PLAIN)
    assert "cipher suites" not in mtasts32_fix(p)
    assert mtasts32_fix(p) == smtp04_fix(p)


def test_s42q_a_454_keeps_the_certificate_and_key_advice_in_both() -> None:
    p = probe(CIPHER, reply="454 4.7.0 TLS not available due to local problem")
    assert "454" in mtasts32_fix(p) and "private key" in mtasts32_fix(p)
    assert mtasts32_fix(p) == smtp04_fix(p)
