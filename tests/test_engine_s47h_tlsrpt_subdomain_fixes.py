"""TLSRPT-02/04/05/06 for a subdomain's record without a usable report address name the
mailbox TLSRPT-01 names (s47h, a follow-up of s47g).

s47g gave TLSRPT-01 (no record at a subdomain) starting_rua's rule: the organisational
domain's usable report addresses, else the example mailbox at the organisational domain,
unless every MX host of the subdomain is under it. A record that is there but names no usable
address (no rua=, an empty one, an ftp: address, a wrong version, two such records) still got
tls-reports@<subdomain> in its fix: at mg.<d>, a mailbox behind Mailgun's MX. Now every fix
of the record agrees with TLSRPT-01's. The owner's own addresses, where usable, stay.
"""

from __future__ import annotations

from typing import Any

from checks import tlsrpt
from checks.findings import Finding
from tests.blind_engine import run_engine
from tests.test_engine_s47g_tlsrpt_subdomain_rua import MAILGUN, MG, ORG_RUA, D, record, zone

NO_ADDRESS = {
    "TLSRPT-05": [["v=TLSRPTv1; rua="], ["v=TLSRPTv1;"]],
    "TLSRPT-06": [["v=TLSRPTv1; rua=ftp://x.example.net"]],
    "TLSRPT-04": [["v=TLSRPTv2; rua="]],
    "TLSRPT-02": [["v=TLSRPTv1; rua=", "v=TLSRPTv1;"]],
}


def findings(name: str, mx: list[str], org: str | None, published: list[str]) -> list[Finding]:
    z: dict[Any, Any] = zone(name, mx, org)
    z[(f"_smtp._tls.{name}", "TXT")] = published
    return [f for f in run_engine(tlsrpt, name, z).findings if f.fix]


def fixes(name: str, mx: list[str], org: str | None, check_id: str) -> list[str]:
    out = []
    for published in NO_ADDRESS[check_id]:
        found = [f for f in findings(name, mx, org, published) if f.id == check_id]
        assert found, (check_id, published)
        out += [f.fix for f in found]
    return out


def test_esp_subdomain_record_without_address_names_the_organisations_rua() -> None:
    for check_id in NO_ADDRESS:
        for fix in fixes(MG, MAILGUN, f"v=TLSRPTv1; rua={ORG_RUA}", check_id):
            assert fix == record(MG, ORG_RUA), (check_id, fix)


def test_esp_subdomain_without_org_record_gets_the_example_at_the_organisation() -> None:
    for check_id in NO_ADDRESS:
        for fix in fixes(MG, MAILGUN, None, check_id):
            assert fix == record(MG, f"mailto:tls-reports@{D}"), (check_id, fix)


def test_subdomain_at_the_owners_own_mx_keeps_its_example() -> None:
    sub = f"shop.{D}"
    for check_id in NO_ADDRESS:
        for fix in fixes(sub, [f"10 mx.{D}."], None, check_id):
            assert fix == record(sub, f"mailto:tls-reports@{sub}"), (check_id, fix)


def test_the_owners_usable_address_stays() -> None:
    # Two records, each with a usable address: merged as before, nothing from the organisation.
    published = [f"v=TLSRPTv1; rua=mailto:a@{MG}", f"v=TLSRPTv1; rua=mailto:b@{MG}"]
    [found] = [
        f
        for f in findings(MG, MAILGUN, f"v=TLSRPTv1; rua={ORG_RUA}", published)
        if f.id == "TLSRPT-02"
    ]
    assert found.fix == record(MG, f"mailto:a@{MG},mailto:b@{MG}"), found.fix


def test_the_organisational_domain_itself_is_unchanged() -> None:
    [found] = [
        f for f in findings(D, [f"10 mx.{D}."], None, ["v=TLSRPTv1;"]) if f.id == "TLSRPT-05"
    ]
    assert found.fix == record(D, f"mailto:tls-reports@{D}"), found.fix
