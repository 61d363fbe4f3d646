"""STARTTLS and MTA-STS fixes for an MX host run by another organisation (task s34z).

Blind round s34l found DANE fixes for a provider's MX host (Google's, Microsoft's, a hoster's
or a backup-MX service's) telling the domain owner to change what only the provider can
(commit 533bc86e: dane._for_the_operator). The STARTTLS fixes for such hosts did the same:
SMTP-13 "Configure a default certificate…", SMTP-08's cipher advice, SMTP-10's renewal, and
MTASTS-32's, built from them. They now say, as DANE's do, that the host is run by the
operator of its organisation, who alone can make the change: pass it on to them, or move the
mail to an MX host the owner runs. Fixes that are the owner's (the MX pointed at an alias's
target) and the findings' statuses stay as they were."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from checks import certs, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, Finding, Mechanism, Status
from tests.test_certs import Pki

DOMAIN = "ex.com"
OWN_MX = "mx1.ex.com"
PROVIDER_MX = "mx.prov.net"
FRAMING = (
    f"{PROVIDER_MX} is in prov.net, not in your domain: unless prov.net is yours too, only its "
    "operator can make this change"
)


def _probe(host: str, **kw: Any) -> starttls.SmtpProbe:
    """A probe of `host` that got through STARTTLS with a certificate valid for it, a 90-day
    one expiring in five days, then what `kw` says."""
    pki = Pki()
    leaf = pki.leaf([host], days=5)
    facts = certs.facts_of(certs.load_der(leaf.der))  # type: ignore[arg-type]
    facts = replace(facts, not_before=(datetime.now(UTC) - timedelta(days=85)).isoformat())
    base: dict[str, Any] = {
        "host": host,
        "address": "192.0.2.25",
        "connected": True,
        "banner": f"{host} ESMTP",
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
        "verify_ok": True,
        "name_ok": True,
        "no_sni_ok": False,
    }
    return starttls.SmtpProbe(**(base | kw))


def _findings(host: Any, probe: starttls.SmtpProbe, mxset: Any = None) -> list[Finding]:
    out = Collector(Mechanism.SMTP)
    ctx = CheckContext(DOMAIN, CheckConfig(allow_private_targets=True))
    starttls._per_probe(out, host, probe, starttls._Context(), None, ctx, mxset)
    return out.findings


def _by_id(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


@pytest.mark.parametrize(
    ("check_id", "kw", "fix"),
    [
        ("SMTP-13", {}, "Configure a default certificate for handshakes without SNI."),
        ("SMTP-08", {"cipher": "DES-CBC3-SHA"}, "Disable RC4, 3DES, NULL, EXPORT"),
        ("SMTP-10", {}, f"Renew the certificate of {PROVIDER_MX} now."),
        ("SMTP-09", {"verify_ok": False, "verify_error": "self-signed"}, "publicly trusted CA"),
        ("SMTP-07", {"tls_versions_accepted": ["TLSv1.3", "TLSv1"]}, "Disable TLS 1.0 and 1.1"),
    ],
)
def test_a_provider_hosts_fix_is_passed_on_to_its_operator(
    check_id: str, kw: dict[str, Any], fix: str
) -> None:
    found = _by_id(
        _findings(SimpleNamespace(name=PROVIDER_MX), _probe(PROVIDER_MX, **kw)), check_id
    )
    assert found.fix.startswith(FRAMING), found.fix
    assert "pass it on to them" in found.fix
    assert "an MX host you run" in found.fix  # the owner's own way out
    assert fix in found.fix
    # Wording only: the same status as for the owner's own host.
    own = _by_id(_findings(SimpleNamespace(name=OWN_MX), _probe(OWN_MX, **kw)), check_id)
    assert found.status == own.status


@pytest.mark.parametrize("check_id", ["SMTP-13", "SMTP-08", "SMTP-10"])
def test_an_own_hosts_fix_is_the_change_itself(check_id: str) -> None:
    probe = _probe(OWN_MX, cipher="DES-CBC3-SHA")
    found = _by_id(_findings(SimpleNamespace(name=OWN_MX), probe), check_id)
    assert "operator" not in found.fix
    assert not found.fix.startswith(OWN_MX)


def test_smtp05_for_a_provider_host_does_not_say_ask_them_twice() -> None:
    probe = _probe(PROVIDER_MX, starttls_after_tls=True)
    found = _by_id(_findings(SimpleNamespace(name=PROVIDER_MX), probe), "SMTP-05")
    assert found.fix.startswith(FRAMING)
    assert "if a provider runs it" not in found.fix
    own = _by_id(
        _findings(SimpleNamespace(name=OWN_MX), _probe(OWN_MX, starttls_after_tls=True)), "SMTP-05"
    )
    assert "if a provider runs it, ask them" in own.fix


def _alias(target: str) -> tuple[Any, Any]:
    host = SimpleNamespace(
        name=OWN_MX, preference=10, cname_target=target, cname_dangling=False, addresses=[]
    )
    mxset = SimpleNamespace(answer=SimpleNamespace(name=DOMAIN))
    return host, mxset


def test_an_alias_of_a_provider_host_is_named_by_the_providers_server() -> None:
    # mx1.ex.com CNAME mx.prov.net: the server behind the owner's name is the provider's.
    host, mxset = _alias(PROVIDER_MX)
    found = _by_id(_findings(host, _probe(OWN_MX), mxset), "SMTP-13")
    assert found.fix.startswith(FRAMING), found.fix


def test_pointing_the_mx_at_an_aliases_target_stays_the_owners_fix() -> None:
    # The certificate names the target, not the alias: the owner points the MX at the target
    # (mtasts.alias_certificate_fix), a change of their own zone, not the provider's.
    host, mxset = _alias(PROVIDER_MX)
    target = _probe(PROVIDER_MX)
    probe = _probe(
        OWN_MX,
        chain_der=target.chain_der,
        leaf=target.leaf,
        name_ok=False,
        verify_ok=False,
        verify_error="name-mismatch",
    )
    found = _by_id(_findings(host, probe, mxset), "SMTP-11")
    assert found.fix.startswith(f"{OWN_MX} is an alias (CNAME) of {PROVIDER_MX}"), found.fix
    assert "only they can" not in found.fix


# --- MTASTS-32 and MTASTS-36, built from the STARTTLS fixes --------------------------------------
PROVIDER_ZONE: dict[tuple[str, str], list[str] | str] = {
    ("example.org", "MX"): [f"10 {PROVIDER_MX}."],
    (PROVIDER_MX, "A"): ["192.0.2.11"],
    ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=20260601T0000"'],
    ("_smtp._tls.example.org", "TXT"): ['"v=TLSRPTv1; rua=mailto:tls@example.org"'],
}
PROVIDER_POLICY = f"version: STSv1\r\nmode: testing\r\nmx: {PROVIDER_MX}\r\nmax_age: 604800\r\n"
PROVIDER_FRAMING = FRAMING


def _mtasts(monkeypatch: pytest.MonkeyPatch, probe: starttls.SmtpProbe, check_id: str) -> Finding:
    from tests.test_mtasts import evaluate

    found = evaluate(
        monkeypatch,
        PROVIDER_ZONE,
        body=PROVIDER_POLICY,
        probes={PROVIDER_MX: probe},  # type: ignore[dict-item]
    )
    (failed,) = [f for f in found if f.id == check_id and f.subject.startswith(PROVIDER_MX)]
    return failed


def _smtp_fix(probe: starttls.SmtpProbe, check_id: str) -> str:
    out = Collector(Mechanism.SMTP)
    ctx = CheckContext("example.org", CheckConfig(allow_private_targets=True))
    policy = starttls._Context(sts_mode="testing", sts_usable=True, patterns=[PROVIDER_MX])
    starttls._per_probe(out, SimpleNamespace(name=PROVIDER_MX), probe, policy, None, ctx)
    return _by_id(out.findings, check_id).fix


def test_mtasts32_for_a_provider_hosts_certificate_is_passed_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    probe = _probe(PROVIDER_MX, verify_ok=False, verify_error="self-signed")
    failed = _mtasts(monkeypatch, probe, "MTASTS-32")
    assert failed.status == Status.WARN  # testing, as before
    assert failed.fix.startswith(PROVIDER_FRAMING), failed.fix
    # Word for word the STARTTLS finding's fix, so alerts tell them as one problem.
    assert failed.fix == _smtp_fix(probe, "SMTP-09")


def test_mtasts32_for_a_provider_host_without_starttls_is_passed_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    probe = _probe(PROVIDER_MX, starttls_offered=False, extensions=["PIPELINING"], tls_ok=False)
    failed = _mtasts(monkeypatch, probe, "MTASTS-32")
    assert failed.fix.startswith(PROVIDER_FRAMING), failed.fix
    assert "Enable STARTTLS on the mail server" in failed.fix
    assert failed.fix == _smtp_fix(probe, "SMTP-03")


def test_mtasts36_for_a_provider_host_is_passed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    probe = _probe(
        PROVIDER_MX,
        tls_version="TLSv1.1",
        max_tls_version="TLSv1.1",
        tls_versions_accepted=["TLSv1.1"],
    )
    failed = _mtasts(monkeypatch, probe, "MTASTS-36")
    assert failed.fix.startswith(PROVIDER_FRAMING), failed.fix
    assert f"Enable TLS 1.2 and 1.3 on {PROVIDER_MX}" in failed.fix
