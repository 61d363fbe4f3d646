"""Review s47r2 of 774bedc9: MTASTS-12 for a name-constrained CA and a certificate of several names.

774bedc9 says the policy host's certificate is "issued by a CA that may not issue for <host>"
when OpenSSL refuses it for a name constraint (X509_V_ERR_PERMITTED_VIOLATION, 47, or
EXCLUDED_VIOLATION, 48). OpenSSL checks every name the certificate carries against the
constraints (RFC 5280 §4.2.1.10), so a certificate for mta-sts.corp.test and
mta-sts.other.test from a CA limited to corp.test is refused for the second name: "may not
issue for mta-sts.corp.test" was untrue. With names beside the host the text says the CA may
not issue for every name the certificate carries and lists them; with the host alone, as
before.
"""

from __future__ import annotations

from checks import https


def _text(host: str, sans: list[str]) -> str:
    cert = https.CertInfo(verify_error="permitted subtree violation", verify_code=47, sans=sans)
    result = https.HttpsResult(
        url=f"https://{host}/.well-known/mta-sts.txt",
        host=host,
        cert=cert,
        error_kind="tls-cert",
        error="certificate not accepted: permitted subtree violation",
    )
    return https.refusal_text(result)


def test_a_certificate_of_several_names_is_not_said_refused_for_the_host() -> None:
    host = "mta-sts.corp.test"
    text = _text(host, [host, "mta-sts.other.test"])
    assert f"may not issue for {host}:" not in text, text
    assert text.startswith(
        "issued by a CA that may not issue for every name it carries (mta-sts.corp.test, "
        "mta-sts.other.test): the name constraints of a CA certificate in its chain leave "
        "one of them out (RFC 5280 §4.2.1.10; permitted subtree violation)"
    ), text


def test_a_certificate_of_the_host_alone_reads_as_before() -> None:
    host = "mta-sts.nc.lab.test"
    text = _text(host, [host])
    assert text.startswith(f"issued by a CA that may not issue for {host}: "), text
