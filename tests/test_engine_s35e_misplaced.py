"""Task s35e, items 5-6: records published where senders never look.

5. MTASTS-01's lookup of a record at a wrong name knew a name that is an alias (CNAME): the
   record it reaches is the target's, so the alias is what goes. TLSRPT-01's did not, and told
   the owner to delete a TXT record at _smtp_tlsrpt.<domain> that is not there. Both now look
   the same way (dns.misplaced_lookup). A domain that is itself an alias reaches its target's
   records: a TLS-RPT record there is not the owner's to move or delete.
6. Where MX-01 proposes a null MX (no MX, the domain's own address refuses port 25, nothing
   says it sends), TLSRPT-01 and MTASTS-01 said of such a record 'so move it there': with the
   null MX the domain needs none (RFC 7505; RFC 8460 reports are about mail delivered to it).
   They now say to move it only if the domain is to receive mail, and to delete it either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from checks import mtasts, starttls, tlsrpt
from checks.findings import Finding
from tests.blind_engine import run_engine
from tests.test_engine_s19z_nomail import D, check, free_port, web_only

E = "shop.s35e-example.org"
RPT = "v=TLSRPTv1; rua=mailto:tls@s35e-reports.example"
STS = "v=STSv1; id=20261203"
TARGET = "records.s35e-host.example"


@pytest.fixture(autouse=True)
def _fresh_probe_cache() -> Iterator[None]:
    starttls.clear_cache()
    yield
    starttls.clear_cache()


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


def _with_mx(extra: dict[Any, Any]) -> dict[Any, Any]:
    return {(E, "MX"): [f"10 mx.{E}."], (f"mx.{E}", "A"): ["192.0.2.60"], **extra}


# --- 5. a misplaced record reached through an alias ---------------------------------------------


def test_a_tlsrpt_record_reached_through_an_alias_is_named_as_the_alias() -> None:
    zone = _with_mx({(f"_smtp_tlsrpt.{E}", "CNAME"): [f"{TARGET}."], (TARGET, "TXT"): [RPT]})
    tlsrpt01 = _one(run_engine(tlsrpt, E, zone).findings, "TLSRPT-01")
    assert f"_smtp_tlsrpt.{E}, an alias (CNAME) to {TARGET}, reaches {RPT!r}" in tlsrpt01.summary, (
        tlsrpt01.summary
    )
    assert (
        f"Delete the alias at _smtp_tlsrpt.{E} (a CNAME to {TARGET}, whose record it is)"
        in tlsrpt01.fix
    ), tlsrpt01.fix
    assert f"Delete the record at _smtp_tlsrpt.{E}" not in tlsrpt01.fix
    assert {"name": f"_smtp_tlsrpt.{E}", "record": RPT, "alias": TARGET} in tlsrpt01.evidence[
        "misplaced"
    ]
    # The record itself is still moved to _smtp._tls (its address kept).
    assert f'_smtp._tls.{E}. TXT "{RPT}"' in tlsrpt01.fix


def test_tlsrpt_and_mtasts_say_an_aliased_misplaced_record_alike() -> None:
    zone = _with_mx(
        {
            (f"_smtp_tlsrpt.{E}", "CNAME"): [f"{TARGET}."],
            (f"_mta_sts.{E}", "CNAME"): [f"{TARGET}."],
            (TARGET, "TXT"): [RPT, STS],
        }
    )
    findings = run_engine(tlsrpt, E, zone).findings + run_engine(mtasts, E, zone).findings
    for check_id, name in (("TLSRPT-01", "_smtp_tlsrpt"), ("MTASTS-01", "_mta_sts")):
        found = _one(findings, check_id)
        assert f"{name}.{E}, an alias (CNAME) to {TARGET}, reaches" in found.summary, found
        assert f"{name}.{E}. CNAME {TARGET}." in found.fix


def test_a_domain_that_is_an_alias_is_not_told_to_delete_its_targets_record() -> None:
    # shop.<...> CNAME to a hosted shop whose own apex TXT holds a TLS-RPT record: senders
    # look up _smtp._tls.<shop> (none), and the record at the target is not the owner's.
    zone = {
        (E, "CNAME"): [f"{TARGET}."],
        (TARGET, "MX"): [f"10 mx.{TARGET}."],
        (f"mx.{TARGET}", "A"): ["192.0.2.61"],
        (TARGET, "TXT"): [RPT],
    }
    tlsrpt01 = _one(run_engine(tlsrpt, E, zone).findings, "TLSRPT-01")
    assert "where senders never look" not in tlsrpt01.summary, tlsrpt01.summary
    assert "Delete" not in tlsrpt01.fix, tlsrpt01.fix
    assert "misplaced" not in tlsrpt01.evidence


def test_a_plain_misplaced_tlsrpt_record_is_still_deleted_as_a_record() -> None:
    zone = _with_mx({(f"_smtp_tlsrpt.{E}", "TXT"): [RPT]})
    tlsrpt01 = _one(run_engine(tlsrpt, E, zone).findings, "TLSRPT-01")
    assert f"_smtp_tlsrpt.{E} holds {RPT!r}" in tlsrpt01.summary
    assert f"Delete the record at _smtp_tlsrpt.{E}, where senders never look" in tlsrpt01.fix
    assert "so move it there." in tlsrpt01.summary


# --- 6. beside MX-01's null MX ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check_id", "label", "record", "home"),
    [
        ("TLSRPT-01", "_smtp_tlsrpt", RPT, "_smtp._tls"),
        ("MTASTS-01", "_mta_sts", STS, "_mta-sts"),
    ],
)
def test_a_misplaced_record_beside_mx01s_null_mx_is_moved_only_for_mail(
    check_id: str, label: str, record: str, home: str
) -> None:
    address = "127.0.235.1"
    zone = web_only(address)
    zone[(f"{label}.{D}", "TXT")] = [f'"{record}"']
    report = check(D, zone, free_port(address))
    mx01 = _one(report.findings, "MX-01")
    assert f"{D}. MX 0 ." in mx01.fix.split("\n")  # MX-01 proposes the null MX
    found = _one(report.findings, check_id)
    assert "so move it there." not in found.summary, found.summary
    assert (
        f"puts it at {home}.{D}: move it there if {D} is to receive mail; with the null MX "
        "that MX-01 proposes, it needs none, so delete it then." in found.summary
    ), found.summary
    assert f"Either way, delete the record at {label}.{D}, where senders never look" in found.fix
