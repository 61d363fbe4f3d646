"""s31d: engine follow-ups left by the last session.

- One home for the names of anonymous suites (SMTP-08 and DANE-14 read them alike).
- SMTP-07 says which versions a handshake offered and which the server took: the legacy
  handshake offers TLS 1.0 and 1.1 together, so a server taking 1.1 says nothing of 1.0.
- MTASTS-13's fix covers both servers that answer the policy host with the certificate they
  give without SNI: one without a site for the name, one whose only certificate lacks it.
"""

from __future__ import annotations

from pathlib import Path

from checks import dane, starttls
from checks.findings import Collector, Finding, Status
from tests.test_https_s30n_default_vhost import HOST, SniServer, fetch_from, problems

SUBJ = "mx.example.test"


# --- anonymous suites, one list ---------------------------------------------------------------


def test_anonymous_suites_are_named_in_one_place() -> None:
    for suite in ("ADH-AES256-GCM-SHA384", "AECDH-AES128-SHA", "TLS_DH_anon_WITH_AES_128_CBC_SHA"):
        assert starttls.is_anonymous_suite(suite), suite
    for suite in ("ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_256_GCM_SHA384", "DHE-RSA-AES256-SHA"):
        assert not starttls.is_anonymous_suite(suite), suite
    # DANE-14 reads suites by the STARTTLS list, not a copy of its own.
    assert not hasattr(dane, "_ANON_MARKERS")


# --- SMTP-07 says what was offered and what was taken -----------------------------------------


def _smtp07(**fields: object) -> Finding:
    probe = starttls.SmtpProbe(host=SUBJ, address="192.0.2.1", tls_ok=True)
    for name, value in fields.items():
        setattr(probe, name, value)
    out = Collector(starttls.MECHANISM)
    starttls._versions(out, probe, SUBJ, {})
    (found,) = out.findings
    return found


def test_smtp07_a_server_taking_tls11_from_10_and_11_is_not_said_to_refuse_or_take_10() -> None:
    found = _smtp07(
        tls_version="TLSv1.3",
        max_tls_version="TLSv1.3",
        tls_versions_accepted=["TLSv1.1", "TLSv1.2", "TLSv1.3"],
        legacy_checked=True,
        tls12_accepted=True,
    )
    assert found.status == Status.WARN
    assert found.summary.startswith(f"{SUBJ} still accepts TLS 1.1, deprecated by RFC 8996")
    assert "a handshake offering only TLS 1.0 and 1.1 got TLS 1.1" in found.summary
    assert "whether it also accepts TLS 1.0 was not tested" in found.summary
    assert found.evidence["legacy_offered"] == ["TLSv1", "TLSv1.1"]


def test_smtp07_a_server_taking_tls10_says_only_that() -> None:
    found = _smtp07(
        tls_version="TLSv1.2",
        max_tls_version="TLSv1.2",
        tls_versions_accepted=["TLSv1", "TLSv1.2"],
        legacy_checked=True,
    )
    assert found.status == Status.WARN
    assert (
        "still accepts TLS 1.0, deprecated by RFC 8996 (a handshake offering only TLS 1.0 and "
        "1.1 got TLS 1.0)."
    ) in found.summary
    assert "not tested" not in found.summary


def test_smtp07_tls13_only_beside_tls11_keeps_the_bcp195_words() -> None:
    found = _smtp07(
        tls_version="TLSv1.3",
        max_tls_version="TLSv1.3",
        tls_versions_accepted=["TLSv1.1", "TLSv1.3"],
        legacy_checked=True,
        tls12_accepted=False,
    )
    assert "got TLS 1.1; whether it also accepts TLS 1.0 was not tested), yet refuses TLS 1.2." in (
        found.summary
    )
    assert "and enable TLS 1.2" in found.fix


def test_smtp07_a_legacy_only_server_is_told_what_the_first_handshake_offered() -> None:
    found = _smtp07(
        tls_version="TLSv1.1",
        max_tls_version="TLSv1.1",
        tls_versions_accepted=["TLSv1.1"],
        legacy_checked=True,
    )
    assert found.status == Status.FAIL
    assert found.summary.startswith(
        f"{SUBJ} speaks at most TLS 1.1: offered TLS 1.0 to 1.3, it chose TLS 1.1."
    )


# --- MTASTS-13: a default certificate or a site's one certificate, told alike -----------------


def test_mtasts13_fix_covers_a_site_whose_one_certificate_lacks_the_name(tmp_path: Path) -> None:
    # The owner's web server with one certificate (example.org, www.example.org) that it gives
    # every name: it may well have a site for mta-sts.example.org already, and the handshake
    # without SNI cannot tell. "Add a site" alone would send that owner the wrong way.
    server = SniServer(tmp_path, {}, default=["example.org", "www.example.org"])
    found = problems(fetch_from(server))
    status, summary, fix = found["MTASTS-13"]
    assert status == Status.FAIL
    assert "a server whose one certificate does not name it" in summary
    assert f"Add a site (virtual host) for {HOST} to the web server at 127.0.0.1" in fix
    assert f"If it already has a site for {HOST}, that site's certificate does not name it" in fix
    assert f"add {HOST} to that certificate" in fix
    assert "from outside the two cases look the same" in fix
