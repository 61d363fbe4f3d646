"""Several MX names on one address: the RSA-only question (a server's second certificate) is
asked once per first certificate the names got there, not once per name. A server giving every
name the same ECDSA certificate picks by key type, not by name, so one RSA answer holds for all
of them; a name that got another first certificate asks its own. MX operators rate-limit
connections per client. Real aiosmtpd servers on 127.0.0.1 choosing their certificates by SNI;
no lab."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP

from checks import starttls
from checks.context import CheckContext
from checks.findings import Finding
from tests.test_certs import Issued, Pki, make_leaf
from tests.test_starttls import ADDR, _config, _Handler, _port
from tests.test_starttls_s11_dual_certs import _all, _serving

# Names whose first handshake gets one ECDSA certificate (and RSA senders one RSA certificate).
SHARED = ["mx1.example.test", "mx2.example.test", "mx3.example.test"]
# A name the server gives certificates of its own (by SNI).
OWN = "mx9.example.test"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture()
def bundle(pki: Pki, tmp_path: Path) -> str:
    return pki.bundle(str(tmp_path / "ca.pem"))


def _rsa(pki: Pki, sans: list[str], **kw: Any) -> Issued:
    return make_leaf(pki.inter, sans, rsa_bits=2048, **kw)


def _by_name(default: ssl.SSLContext, by_name: dict[str, ssl.SSLContext]) -> ssl.SSLContext:
    """`default` for names not in `by_name` (and no SNI); the others switch context on SNI, as
    Postfix's tls_server_sni_maps and Exim's per-SNI certificates do."""

    def choose(obj: ssl.SSLObject | ssl.SSLSocket, name: str | None, _: ssl.SSLContext) -> None:
        if name in by_name:
            obj.context = by_name[name]

    default.sni_callback = choose
    return default


def _probe_all(tls: ssl.SSLContext, bundle: str, names: list[str]) -> tuple[list[Any], int]:
    """Probe each name at the one address in one run, as the engine does for an MX set; the
    probes and the connections the server accepted."""
    accepted = 0

    def factory() -> asyncio.Protocol:
        nonlocal accepted
        accepted += 1
        return SMTP(
            _Handler(), hostname="smtp.example.test", tls_context=tls, require_starttls=False
        )

    async def main() -> list[starttls.SmtpProbe]:
        server = await asyncio.get_running_loop().create_server(factory, host=ADDR, port=0)
        try:
            ctx = CheckContext("example.test", _config(_port(server), bundle))
            return [await starttls.probe_mx(ctx, name, ADDR) for name in names]
        finally:
            server.close()

    probes = asyncio.run(main())
    return probes, accepted


def _smtp(probe: starttls.SmtpProbe) -> list[tuple[str, str, str]]:
    """The findings as text, the probe's own name taken out, for comparing names."""

    def plain(f: Finding) -> tuple[str, str, str]:
        return (f.id, f.status.value, f.summary.replace(probe.host, "<mx>"))

    return [plain(f) for f in _all(probe, under_sts=True)]


def test_names_with_one_first_certificate_share_one_rsa_handshake(
    pki: Pki, bundle: str, tmp_path: Path
) -> None:
    # The RSA certificate names mx1 and mx2 only: each name still judges it for itself.
    tls = _serving(tmp_path, pki, make_leaf(pki.inter, SHARED), _rsa(pki, SHARED[:2]))
    probes, accepted = _probe_all(tls, bundle, SHARED)
    first = {p.chain_der[0] for p in probes}
    assert len(first) == 1 and all(p.leaf and p.leaf.key_type.startswith("EC") for p in probes)
    assert [p.rsa_cert for p in probes] == ["other"] * 3
    assert [p.second_label for p in probes] == ["RSA"] * 3
    assert all(p.facts()["rsa_certificate"] == "other" for p in probes)
    # Three main sessions, one each without SNI, with TLS 1.0/1.1 only, with TLS 1.2 only
    # (per address) and one with RSA suites only (per first certificate): 7, not 3 + 3 + 3.
    assert accepted == 7, accepted
    assert sum(p.connections for p in probes) == accepted
    mx1, mx2, mx3 = probes
    assert mx1.rsa_variant and mx2.rsa_variant and mx3.rsa_variant
    assert mx1.rsa_variant.host == "mx1.example.test" and mx3.rsa_variant.host == mx3.host
    assert mx1.rsa_variant.name_ok and mx2.rsa_variant.name_ok
    assert not mx3.rsa_variant.name_ok and not mx3.mta_sts_ok
    # Names in the same situation read the same, word for word, with the same evidence keys.
    assert _smtp(mx1) == _smtp(mx2)
    second = [f for f in _all(mx3, under_sts=True) if f.evidence.get("second_certificate")]
    assert second and all(f.evidence["second_certificate"] == "RSA" for f in second)
    assert any(f.id == "SMTP-11" and "RSA certificate" in f.summary for f in second)


def test_a_name_with_another_first_certificate_asks_its_own(
    pki: Pki, bundle: str, tmp_path: Path
) -> None:
    # mx9 is served an ECDSA and an RSA certificate of its own, and its RSA one has expired:
    # the answer given for mx1's certificate must not stand for it.
    shared_rsa = _rsa(pki, SHARED)
    own_ecdsa, own_rsa = make_leaf(pki.inter, [OWN]), _rsa(pki, [OWN], expired=True)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    default = _serving(tmp_path / "a", pki, make_leaf(pki.inter, SHARED), shared_rsa)
    tls = _by_name(default, {OWN: _serving(tmp_path / "b", pki, own_ecdsa, own_rsa)})
    names = [*SHARED, OWN]
    probes, accepted = _probe_all(tls, bundle, names)
    assert [p.rsa_cert for p in probes] == ["other"] * 4
    mx1, mx9 = probes[0], probes[-1]
    assert mx9.chain_der[0] == own_ecdsa.der != mx1.chain_der[0]
    assert mx1.rsa_variant and mx1.rsa_variant.chain_der[0] == shared_rsa.der
    assert mx9.rsa_variant and mx9.rsa_variant.chain_der[0] == own_rsa.der
    assert mx9.rsa_variant.verify_error == "expired" and not mx9.mta_sts_ok
    assert all(p.mta_sts_ok for p in probes[:3])
    # Four main sessions, three per address, two RSA handshakes (one per first certificate).
    assert accepted == 9, accepted


def test_an_ecdsa_only_answer_is_shared_too(pki: Pki, bundle: str, tmp_path: Path) -> None:
    # aiosmtpd drops an RSA-only handshake it cannot serve without an alert; asked again, it
    # drops it again: no RSA certificate ('none', as an alert says), asked (twice) once for
    # the three names, not twice per name.
    tls = _serving(tmp_path, pki, make_leaf(pki.inter, SHARED))
    probes, accepted = _probe_all(tls, bundle, SHARED)
    assert [p.rsa_cert for p in probes] == ["none"] * 3
    assert accepted == 8, accepted
    assert _smtp(probes[0]) == _smtp(probes[1]) == _smtp(probes[2])
