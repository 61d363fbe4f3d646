"""TLSRPT-01's starting record for a subdomain names a mailbox the owner can read (s47g).

Left by blind round s47b (tests/test_engine_s47b_blind.py): at mg.<d>, whose MX is Mailgun's,
the record offered sent reports to tls-reports@mg.<d>, a mailbox behind Mailgun's routes,
even where <d> already publishes a TLS-RPT record with a working rua. RFC 8460 §3 has no walk
up the tree: the subdomain needs its own record, but its rua may name any mailbox. Now:

* the organisational domain publishes a usable record: its addresses, and the summary says
  the subdomain needs a record of its own all the same;
* it publishes none: the example mailbox at the organisational domain, unless every MX host
  of the subdomain is the owner's (under the organisational domain), whose server takes the
  subdomain's mail: the example stays at the subdomain there;
* the domain page's record for a domain with a mailsec report address stays ours.
"""

from __future__ import annotations

import asyncio
from typing import Any

from checks import tlsrpt
from checks.findings import Finding
from mailsec.domains.views import _with_our_tlsrpt
from tests.blind_engine import run_engine
from tests.test_spf import make_ctx

D = "example.com"
MG = f"mg.{D}"
ORG_RUA = f"mailto:tls@{D}"
MAILGUN = ["10 mxa.mailgun.org.", "10 mxb.mailgun.org."]


def zone(name: str, mx: list[str], org_record: str | None) -> dict[Any, Any]:
    z: dict[Any, Any] = {(name, "MX"): mx, (D, "MX"): [f"10 mx.{D}."]}
    for record in mx:
        z[(record.split()[1].rstrip("."), "A")] = ["192.0.2.25"]
    if org_record is not None:
        z[(f"_smtp._tls.{D}", "TXT")] = [org_record]
    return z


def tlsrpt01(name: str, mx: list[str], org_record: str | None) -> Finding:
    found = [f for f in run_engine(tlsrpt, name, zone(name, mx, org_record)).findings]
    [one] = [f for f in found if f.id == "TLSRPT-01"]
    return one


def record(name: str, rua: str) -> str:
    return f'_smtp._tls.{name}. TXT "v=TLSRPTv1; rua={rua}"'


def test_esp_subdomain_names_the_organisations_rua() -> None:
    found = tlsrpt01(MG, MAILGUN, f"v=TLSRPTv1; rua={ORG_RUA}")
    assert found.status == "info"
    assert found.fix == record(MG, ORG_RUA), found.fix
    assert f"not at {D}'s record (RFC 8460 §3 has no walk up the tree)" in found.summary
    assert f"{MG} needs a record of its own" in found.summary
    # MTASTS-34 repeats TLSRPT-01's fix for a missing record: the same record.
    ctx = make_ctx(MG, zone(MG, MAILGUN, f"v=TLSRPTv1; rua={ORG_RUA}"))
    assert asyncio.run(tlsrpt.new_record_fix(ctx)) == found.fix


def test_several_org_addresses_are_all_named() -> None:
    both = f"{ORG_RUA},https://reports.example.net/tlsrpt"
    found = tlsrpt01(MG, MAILGUN, f"v=TLSRPTv1; rua={both}")
    assert found.fix == record(MG, both), found.fix


def test_esp_subdomain_without_org_record_gets_the_example_at_the_organisation() -> None:
    found = tlsrpt01(MG, MAILGUN, None)
    assert found.fix == record(MG, f"mailto:tls-reports@{D}"), found.fix
    assert "walk up the tree" not in found.summary
    # An organisation's record senders ignore (two of them, RFC 8460 §3) is not one to name.
    z = zone(MG, MAILGUN, None)
    z[(f"_smtp._tls.{D}", "TXT")] = [f"v=TLSRPTv1; rua={ORG_RUA}", f"v=TLSRPTv1; rua=mailto:b@{D}"]
    [found] = [f for f in run_engine(tlsrpt, MG, z).findings if f.id == "TLSRPT-01"]
    assert found.fix == record(MG, f"mailto:tls-reports@{D}"), found.fix


def test_subdomain_at_the_owners_own_mx_keeps_its_example() -> None:
    sub = f"shop.{D}"
    found = tlsrpt01(sub, [f"10 mx.{D}."], None)
    assert found.fix == record(sub, f"mailto:tls-reports@{sub}"), found.fix
    # With the organisation's record there, its addresses are named all the same.
    found = tlsrpt01(sub, [f"10 mx.{D}."], f"v=TLSRPTv1; rua={ORG_RUA}")
    assert found.fix == record(sub, ORG_RUA), found.fix


def test_the_organisational_domain_itself_is_unchanged() -> None:
    z = zone(D, [f"10 mx.{D}."], None)
    [found] = [f for f in run_engine(tlsrpt, D, z).findings if f.id == "TLSRPT-01"]
    assert found.fix == record(D, f"mailto:tls-reports@{D}")
    assert "walk up the tree" not in found.summary


def test_the_domain_pages_record_stays_ours() -> None:
    # The domain page puts our report address in place of the engine's record at the name
    # (domains.views._with_our_tlsrpt); the organisation's address does not come back.
    found = tlsrpt01(MG, MAILGUN, f"v=TLSRPTv1; rua={ORG_RUA}")
    name = f"_smtp._tls.{MG}"
    ours = "v=TLSRPTv1; rua=mailto:tlsrpt+abc@reports.mailsec.example"
    shown = _with_our_tlsrpt(found.fix, name, ours, "")
    assert shown == f'{name}. TXT "{ours}"'
