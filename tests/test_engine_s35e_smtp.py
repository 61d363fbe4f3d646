"""Task s35e, items 1-3: whose change an SMTP fix is, and what an MX target is called.

1. SMTP-01's per-address fixes (a refused port 25, a non-public address) for an MX host in
   another organisation's domain told the owner to 'Open TCP port 25 on <address>' or
   'Publish a public address for mx.prov.net', as if they ran it. They now say it as the
   other SMTP findings do (starttls.for_the_operator, dane.operators_change).
2. The owner's own name pointing straight at a server whose certificate or greeting names
   it as a host of another organisation (a hoster's shared server: mx.owner.example A
   <the hoster's address>): the owner controls the name, not necessarily the server. The
   fixes for that server say so, with the owner's own way out (point the name at a server
   they run); the control cases (the server names the owner's host, or a name of the owner's
   own domain, or no fully qualified name) stay the owner's change.
3. SMTP-01 called an MX target of numbers that is no IP address (1.2.3.4.5.) 'an IP address'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any
from unittest import mock

import pytest

from checks import certs, starttls
from checks.domainname import known_organizational_domain
from checks.findings import Finding
from tests.blind_engine import run_engine
from tests.test_certs import Pki

D = "shop.s35e-example.org"
OWN_MX = f"mx.{D}"
PROVIDER_MX = "mx.prov-s35e.net"
HOSTER = "server7.hoster-s35e.net"


@pytest.fixture(autouse=True)
def _fresh_probe_cache() -> Iterator[None]:
    starttls.clear_cache()
    yield
    starttls.clear_cache()


def _framing(host: str, org: str) -> str:
    return (
        f"{host} is in {org}, not in your domain: unless {org} is yours too, only its "
        "operator can make this change; pass it on to them, or move your mail to an MX host "
        "you run:\n"
    )


def _smtp(
    zone: dict[Any, Any], probe_for: Callable[[str, str], starttls.SmtpProbe]
) -> list[Finding]:
    async def probe_mx(ctx: Any, host: str, address: str) -> starttls.SmtpProbe:
        return probe_for(host, address)

    with mock.patch.object(starttls, "probe_mx", probe_mx):
        return run_engine(starttls, D, zone, allow_private_targets=False).findings


def _zone(mx: str, address: str) -> dict[Any, Any]:
    return {(D, "MX"): [f"10 {mx}."], (mx, "A"): [address]}


def _refused(host: str, address: str) -> starttls.SmtpProbe:
    return starttls.SmtpProbe(
        host=host, address=address, error_kind="refused", problem="connection refused"
    )


def _guarded(host: str, address: str) -> starttls.SmtpProbe:
    return starttls.SmtpProbe(
        host=host, address=address, error_kind="guard", problem="a private address"
    )


def _only(findings: list[Finding], check_id: str, status: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id and f.status == status]
    return found


# --- 1. SMTP-01's per-address fixes for another organisation's host ---------------------------


def test_a_refused_provider_address_is_the_operators_to_open() -> None:
    findings = _smtp(_zone(PROVIDER_MX, "192.0.2.40"), _refused)
    found = _only(findings, "SMTP-01", "fail")
    assert found.fix.startswith(_framing(PROVIDER_MX, "prov-s35e.net")), found.fix
    assert "Open TCP port 25 on 192.0.2.40" in found.fix


def test_a_non_public_provider_address_is_the_operators_to_replace() -> None:
    findings = _smtp(_zone(PROVIDER_MX, "10.1.2.3"), _guarded)
    found = _only(findings, "SMTP-01", "fail")
    assert found.fix.startswith(_framing(PROVIDER_MX, "prov-s35e.net")), found.fix
    assert f"Publish a public address for {PROVIDER_MX}" in found.fix


def test_an_alias_of_a_provider_host_names_the_providers_server() -> None:
    zone = {(D, "MX"): [f"10 {OWN_MX}."], (OWN_MX, "CNAME"): [f"{PROVIDER_MX}."]}
    zone[(PROVIDER_MX, "A")] = ["192.0.2.41"]
    found = _only(_smtp(zone, _refused), "SMTP-01", "fail")
    assert found.fix.startswith(_framing(PROVIDER_MX, "prov-s35e.net")), found.fix


def test_a_refused_own_address_is_the_owners_to_open() -> None:
    found = _only(_smtp(_zone(OWN_MX, "192.0.2.42"), _refused), "SMTP-01", "fail")
    assert found.fix.startswith("Open TCP port 25 on 192.0.2.42"), found.fix
    assert "operator" not in found.fix


# --- 2. The owner's name pointing at a server that names itself another organisation's ---------


def _tls_probe(host: str, address: str, names: list[str], **kw: Any) -> starttls.SmtpProbe:
    """A probe through STARTTLS whose certificate names `names`, with no default certificate
    for handshakes without SNI (SMTP-13), then what `kw` says."""
    pki = Pki()
    leaf = pki.leaf(names)
    facts = certs.facts_of(certs.load_der(leaf.der))  # type: ignore[arg-type]
    base: dict[str, Any] = {
        "host": host,
        "address": address,
        "connected": True,
        "banner": f"{names[0]} ESMTP",
        "ehlo_ok": True,
        "extensions": ["PIPELINING", "STARTTLS"],
        "starttls_offered": True,
        "tls_ok": True,
        "tls_version": "TLSv1.3",
        "max_tls_version": "TLSv1.3",
        "tls_versions_accepted": ["TLSv1.3"],
        "cipher": "TLS_AES_256_GCM_SHA384",
        "post_tls_ehlo_ok": True,
        "chain_der": [leaf.der, pki.inter.der],  # type: ignore[union-attr]
        "leaf": facts,
        "verify_ok": host in names,
        "verify_error": None if host in names else "name-mismatch",
        "name_ok": host in names,
        "no_sni_ok": False,
    }
    return starttls.SmtpProbe(**(base | kw))


def _hosters(host: str, address: str) -> starttls.SmtpProbe:
    return _tls_probe(host, address, [HOSTER])


def _hoster_words(server: str, how: str) -> list[str]:
    return [
        f"{OWN_MX} is your name, but the server it points to (192.0.2.50) names itself "
        f"{server} {how}, a name in hoster-s35e.net",
        "you control the name, not necessarily the server",
        "Unless you run that server, only the operator of hoster-s35e.net can make this "
        "change; pass it on to them, or point",
        f"{OWN_MX} at a mail server you run:\n",
    ]


def test_an_own_name_at_a_hosters_server_says_whose_server_it_is() -> None:
    findings = _smtp(_zone(OWN_MX, "192.0.2.50"), _hosters)
    for check_id in ("SMTP-11", "SMTP-13"):
        (found,) = [f for f in findings if f.id == check_id]
        for words in _hoster_words(HOSTER, "in its certificate"):
            assert words in found.fix, (check_id, found.fix)
    smtp11 = _only(findings, "SMTP-11", "warn")  # unchanged: a name mismatch without a policy
    assert f"subjectAltName includes {OWN_MX}" in smtp11.fix
    (smtp13,) = [f for f in findings if f.id == "SMTP-13"]
    assert "Configure a default certificate" in smtp13.fix


def test_an_own_name_at_a_server_greeting_as_a_hosters_host_says_so_without_tls() -> None:
    def plain(host: str, address: str) -> starttls.SmtpProbe:
        return replace(
            _hosters(host, address),
            extensions=["PIPELINING"],
            starttls_offered=False,
            tls_ok=False,
            chain_der=[],
            leaf=None,
        )

    found = _only(_smtp(_zone(OWN_MX, "192.0.2.50"), plain), "SMTP-03", "warn")
    for words in _hoster_words(HOSTER, "in its greeting"):
        assert words in found.fix, found.fix


@pytest.mark.parametrize(
    "names",
    [[OWN_MX], [f"mail.{D}"], ["localhost"], ["mail"], ["*.org"], ["*.co.uk"]],
    ids=["own-host", "own-domain", "localhost", "bare-label", "suffix-wildcard", "psl-wildcard"],
)
def test_an_own_name_at_a_server_naming_no_other_organisation_stays_the_owners(
    names: list[str],
) -> None:
    def probe(host: str, address: str) -> starttls.SmtpProbe:
        return _tls_probe(host, address, names)

    findings = _smtp(_zone(OWN_MX, "192.0.2.51"), probe)
    (smtp13,) = [f for f in findings if f.id == "SMTP-13"]
    assert smtp13.fix.startswith("Configure a default certificate"), smtp13.fix
    assert "your name" not in smtp13.fix


def test_mtasts32_says_a_hosters_server_as_smtp_says_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_mtasts import evaluate

    zone: dict[tuple[str, str], list[str] | str] = {
        ("example.org", "MX"): ["10 mx.example.org."],
        ("mx.example.org", "A"): ["192.0.2.50"],
        ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=20261203T0000"'],
    }
    body = "version: STSv1\r\nmode: testing\r\nmx: mx.example.org\r\nmax_age: 604800\r\n"
    probe = _tls_probe("mx.example.org", "192.0.2.50", [HOSTER], verify_ok=False)
    found = evaluate(monkeypatch, zone, body=body, probes={"mx.example.org": probe})  # type: ignore[dict-item]
    (mtasts32,) = [f for f in found if f.id == "MTASTS-32"]
    assert "mx.example.org is your name, but the server it points to" in mtasts32.fix
    assert f"names itself {HOSTER} in its certificate" in mtasts32.fix


# --- 3. SMTP-01 on an MX target of numbers that is no IP address -------------------------------


def _no_address_smtp01(target: str) -> Finding:
    findings = run_engine(starttls, D, {(D, "MX"): [f"10 {target}"]}).findings
    return _only(findings, "SMTP-01", "fail")


def test_smtp01_calls_numbers_that_are_no_address_no_host_name() -> None:
    found = _no_address_smtp01("1.2.3.4.5.")
    assert "an IP address" not in found.summary, found.summary
    assert "1.2.3.4.5 is no host name: its last label is all digits (MX-05)" in found.summary


def test_smtp01_says_how_numbers_read_as_an_address() -> None:
    found = _no_address_smtp01("2130706433.")
    assert "an IP address" not in found.summary, found.summary
    assert (
        "2130706433 is no host name: its last label is all digits, and 2130706433 is "
        "127.0.0.1 written short (MX-05)" in found.summary
    )


def test_smtp01_still_calls_an_ip_address_one() -> None:
    found = _no_address_smtp01("192.0.2.1.")
    assert "192.0.2.1 is an IP address, not a host name (MX-05)" in found.summary


def test_a_wildcard_at_a_public_suffix_names_no_organisation() -> None:
    # A certificate for '*.lab.test' (the lab's suffix) or '*.co.uk' names nobody's host.
    extra = ("test", "lab.test")
    assert known_organizational_domain("*.lab.test", extra) == ""
    assert known_organizational_domain("*.co.uk") == ""
    assert known_organizational_domain("*.prov.lab.test", extra) == "prov.lab.test"
    assert known_organizational_domain("mx.prov-s35e.net") == "prov-s35e.net"
