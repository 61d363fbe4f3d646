"""Engine fixes found by the s26c blind round (tests/test_engine_s26c_blind.py).

1. A `_dmarc` name that is an alias (CNAME, as DMARC management services ask for) cannot hold a
   TXT record of its own (RFC 1034 §3.6.2, RFC 2181 §10.1). Every DMARC fix still said
   `_dmarc.<domain>. TXT "..."`, a record no zone accepts beside the alias, and an alias
   leading nowhere read as a plain "has no DMARC policy".
2. DMARC-19 told every divergence of the two views to "Publish an explicit record without pct",
   also where the record has no pct (the tree walk finding a record RFC 7489 receivers never
   read, an invalid np= that RFC 9989 receivers read as p=none).
3. An SPF loop through redirect= was told as "The SPF includes loop back".
"""

from __future__ import annotations

from typing import Any

from checks import dmarc, spf
from checks.findings import Finding
from tests.test_engine_s26c_blind import run_case


def by_id(findings: list[Finding], check: str) -> list[Finding]:
    return [f for f in findings if f.id == check]


SPF_OK = {("brandy.example", "TXT"): ["v=spf1 -all"]}


def cnamed(target_records: list[str] | None) -> dict[Any, Any]:
    zone: dict[Any, Any] = {
        **SPF_OK,
        ("_dmarc.brandy.example", "CNAME"): ["brandy.example.dmarc.agency.example."],
    }
    if target_records is not None:
        zone[("brandy.example.dmarc.agency.example", "TXT")] = target_records
    return zone


def test_it_tells_a_dangling_dmarc_alias_and_to_delete_it() -> None:
    found = run_case(dmarc, "brandy.example", cnamed(None))
    (first,) = by_id(found, "DMARC-01")
    assert str(first.status) == "info"  # no policy: not deployed, as before
    assert "alias (CNAME) of brandy.example.dmarc.agency.example" in first.summary
    assert "does not exist" in first.summary
    # The TXT goes where the alias was, once the alias is gone: both steps are in the fix.
    assert first.fix.startswith("Delete the CNAME record at _dmarc.brandy.example")
    assert '_dmarc.brandy.example. TXT "v=DMARC1; p=none' in first.fix


def test_it_tells_an_alias_to_a_name_without_a_record() -> None:
    zone = cnamed(None)
    zone[("brandy.example.dmarc.agency.example", "A")] = ["192.0.2.1"]  # exists, no TXT
    (first,) = by_id(run_case(dmarc, "brandy.example", zone), "DMARC-01")
    assert "holds no DMARC record" in first.summary
    assert first.fix.startswith("Delete the CNAME record at _dmarc.brandy.example")


def test_it_changes_an_aliased_record_at_its_target() -> None:
    zone = cnamed(["v=DMARC1; p=none; rua=mailto:r@brandy.example"])
    (weak,) = by_id(run_case(dmarc, "brandy.example", zone), "DMARC-06")
    assert "_dmarc.brandy.example. TXT" not in weak.fix
    assert 'brandy.example.dmarc.agency.example. TXT "v=DMARC1; p=quarantine' in weak.fix
    assert "alias (CNAME) of brandy.example.dmarc.agency.example" in weak.fix


def test_it_leaves_fixes_of_a_plain_record_alone() -> None:
    zone = {
        **SPF_OK,
        ("_dmarc.brandy.example", "TXT"): ["v=DMARC1; p=none; rua=mailto:r@brandy.example"],
    }
    (weak,) = by_id(run_case(dmarc, "brandy.example", zone), "DMARC-06")
    assert weak.fix.startswith('_dmarc.brandy.example. TXT "v=DMARC1; p=quarantine')
    assert "CNAME" not in weak.fix


def test_it_names_the_inherited_records_alias() -> None:
    # The subdomain inherits the organisational domain's record, which is an alias.
    zone = {
        ("shop.brandy.example", "TXT"): ["v=spf1 -all"],
        ("_dmarc.brandy.example", "CNAME"): ["brandy.example.dmarc.agency.example."],
        ("brandy.example.dmarc.agency.example", "TXT"): [
            "v=DMARC1; p=none; rua=mailto:r@brandy.example"
        ],
    }
    (weak,) = by_id(run_case(dmarc, "shop.brandy.example", zone), "DMARC-06")
    assert "_dmarc.brandy.example. TXT" not in weak.fix
    assert "brandy.example.dmarc.agency.example. TXT" in weak.fix


def test_views_without_pct_are_not_told_to_drop_pct() -> None:
    walk = {
        ("eu.shop.delta.example", "TXT"): ["v=spf1 -all"],
        ("_dmarc.shop.delta.example", "TXT"): ["v=DMARC1; p=reject; rua=mailto:d@delta.example"],
    }
    (views,) = by_id(run_case(dmarc, "eu.shop.delta.example", walk), "DMARC-19")
    assert str(views.status) == "warn"
    assert "pct" not in views.summary
    assert "_dmarc.eu.shop.delta.example" in views.summary

    np_empty = {
        ("emptynp.example", "TXT"): ["v=spf1 -all"],
        ("_dmarc.emptynp.example", "TXT"): [
            "v=DMARC1; p=reject; sp=quarantine; np=; rua=mailto:d@emptynp.example"
        ],
    }
    (views,) = by_id(run_case(dmarc, "emptynp.example", np_empty), "DMARC-19")
    assert str(views.status) == "warn" and "pct" not in views.summary


def test_views_with_pct_still_say_pct() -> None:
    zone = {
        ("fjord.example", "TXT"): ["v=spf1 -all"],
        ("_dmarc.fjord.example", "TXT"): ["v=DMARC1; p=quarantine; pct=10"],
    }
    (views,) = by_id(run_case(dmarc, "fjord.example", zone), "DMARC-19")
    assert "without pct" in views.summary


def test_a_redirect_loop_is_told_as_a_redirect() -> None:
    zone = {
        ("loopco.example", "TXT"): ["v=spf1 ip4:192.0.2.1 redirect=_spf.loopco.example"],
        ("_spf.loopco.example", "TXT"): ["v=spf1 redirect=loopco.example"],
    }
    (limit,) = by_id(run_case(spf, "loopco.example", zone), "SPF-05")
    assert str(limit.status) == "fail"
    assert "includes loop" not in limit.summary
    assert "redirect" in limit.summary and "loopco.example" in limit.summary


def test_an_include_loop_is_told_as_an_include() -> None:
    zone = {
        ("cyclicco.example", "TXT"): ["v=spf1 include:_spf.partner.example -all"],
        ("_spf.partner.example", "TXT"): [
            "v=spf1 ip4:198.51.100.0/24 include:cyclicco.example ~all"
        ],
    }
    (limit,) = by_id(run_case(spf, "cyclicco.example", zone), "SPF-05")
    assert str(limit.status) == "fail"
    assert "include" in limit.summary and "cyclicco.example" in limit.summary
