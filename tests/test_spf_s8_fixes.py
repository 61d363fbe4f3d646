"""SPF on records nobody listed: fixes that keep a permanent error, and wide a/mx prefixes."""

from __future__ import annotations

from typing import Any

from checks import spf
from checks.findings import Finding, Status
from tests.test_spf import published, run

D = "example.com"
ZONE: dict[Any, Any] = {
    (D, "A"): ["192.0.2.1"],
    (D, "MX"): ["10 mx.example.com."],
    ("mx.example.com", "A"): ["192.0.2.10"],
    ("mx.example.com", "TXT"): ["v=spf1 a -all"],
    ("_spf.example.net", "TXT"): ["v=spf1 ip4:198.51.100.0/24 -all"],
    # A vendor that deleted its SPF record but kept a verification string.
    ("old.example.net", "TXT"): ["vendor-verification=abc123"],
    # A provider whose own include points at a name that is gone.
    ("chain.example.net", "TXT"): ["v=spf1 include:gone.example.net -all"],
}


def findings(record: str | list[str], extra: dict[Any, Any] | None = None) -> list[Finding]:
    """SPF findings for example.com; a list of records publishes several TXT records."""
    records = record if isinstance(record, list) else [record]
    return run(spf, D, {**ZONE, (D, "TXT"): records, **(extra or {})})


def failing(record: str, extra: dict[Any, Any] | None = None) -> set[str]:
    """The check IDs that fail when example.com publishes `record`."""
    return {f.id for f in findings(record, extra) if f.status == Status.FAIL}


def offered(found: list[Finding], check_id: str) -> list[str]:
    """The records the findings with `check_id` suggest publishing at example.com."""
    return [published(f.fix)[1] for f in found if f.id == check_id and f.fix]


# Records whose tree is a permanent error under another check, with that check.
BROKEN = [
    ("include:old.example.net", "SPF-08"),  # include of a name without SPF (RFC 7208 §5.2)
    ("include:gone.example.net", "SPF-08"),  # include of a name that does not exist
    ("include:chain.example.net", "SPF-08"),  # one level down
    ("a:g1.example.org a:g2.example.org a:g3.example.org", "SPF-06"),  # three void lookups
]


def test_a_terminal_fix_is_not_offered_while_the_tree_is_a_permanent_error() -> None:
    # RFC 7208 §5.2/§4.6.4: these records are permerror whatever their ending; a fix that only
    # changes the ending keeps the broken terms, and another check fails it just the same.
    for terms, check_id in BROKEN:
        for ending in ("?all", "~all", "+all", ""):
            record = f"v=spf1 mx {terms} {ending}".strip()
            found = findings(record)
            assert check_id in {f.id for f in found if f.status == Status.FAIL}, record
            for suggested in offered(found, "SPF-09"):
                assert check_id not in failing(suggested), (record, suggested)
            (terminal,) = [f for f in found if f.id == "SPF-09"]
            if terminal.status != Status.PASS and not terminal.fix:
                assert check_id in terminal.summary, (record, terminal.summary)


def test_an_ignored_terms_fix_is_not_offered_while_the_tree_is_a_permanent_error() -> None:
    for terms, check_id in BROKEN:
        record = f"v=spf1 {terms} -all redirect=_spf.example.net"
        found = findings(record)
        (ignored,) = [f for f in found if f.id == "SPF-10"]
        assert ignored.status == Status.WARN
        for suggested in offered(found, "SPF-10"):
            assert check_id not in failing(suggested), (record, suggested)
        assert ignored.fix or check_id in ignored.summary


def test_the_fixes_are_still_offered_for_a_tree_without_errors() -> None:
    for ending in ("?all", "~all", "+all", ""):
        found = findings(f"v=spf1 mx include:_spf.example.net {ending}".strip())
        (suggested,) = offered(found, "SPF-09")
        assert suggested == "v=spf1 mx include:_spf.example.net -all"
        assert not failing(suggested)
    found = findings("v=spf1 mx -all redirect=_spf.example.net")
    assert offered(found, "SPF-10") == ["v=spf1 mx -all"]


def test_a_merged_record_is_not_offered_when_it_would_be_a_permanent_error() -> None:
    # SPF-01: two records are a permerror (RFC 7208 §4.5). A merge that keeps an include of a
    # name without SPF, or three void lookups, trades it for another permerror.
    for terms, check_id in BROKEN:
        found = findings(["v=spf1 mx -all", f"v=spf1 {terms} ~all"])
        (multiple,) = [f for f in found if f.id == "SPF-01"]
        assert multiple.status == Status.FAIL
        for suggested in offered(found, "SPF-01"):
            assert check_id not in failing(suggested), suggested
        assert not multiple.fix, multiple.fix
    # An include of a record ending in '+all' would open the merged record to everyone.
    opened = findings(
        ["v=spf1 mx -all", "v=spf1 include:open.example.net ~all"],
        {("open.example.net", "TXT"): ["v=spf1 +all"]},
    )
    (multiple,) = [f for f in opened if f.id == "SPF-01"]
    assert not multiple.fix and "+all" in multiple.summary
    # A clean merge is still offered, and passes.
    found = findings(["v=spf1 mx -all", "v=spf1 include:_spf.example.net ~all"])
    (suggested,) = offered(found, "SPF-01")
    assert suggested == "v=spf1 mx include:_spf.example.net ~all"
    assert not failing(suggested)


def test_a_repaired_record_is_vetted_below_its_own_includes() -> None:
    # SPF-02 repairs the version of a near miss; the repaired record includes a provider whose
    # own include is gone, or an mx with eleven hosts: both permerror (RFC 7208 §5.2, §4.6.4).
    many = {("big.example.org", "MX"): [f"10 mx{i}.example.org." for i in range(11)]}
    many.update({(f"mx{i}.example.org", "A"): [f"192.0.2.{i}"] for i in range(11)})
    for record, check_id in (
        ("v=spf1;include:chain.example.net -all", "SPF-08"),
        ("v=spf1;mx:big.example.org -all", "SPF-07"),
    ):
        found = findings(record, many)
        (version,) = [f for f in found if f.id == "SPF-02"]
        assert version.status == Status.FAIL
        for suggested in offered(found, "SPF-02"):
            assert check_id not in failing(suggested, many), (record, suggested)
        assert not version.fix and "permanent error" in version.summary
    # The same repair without the broken term is offered.
    found = findings("v=spf1;include:_spf.example.net -all")
    assert offered(found, "SPF-02") == ["v=spf1 include:_spf.example.net -all"]


def test_a_respelt_record_ending_in_plus_all_is_not_offered_as_it_is() -> None:
    # "include=" is an unknown modifier (RFC 7208 §6); the SPF-04 fix spells it "include:".
    # Spelt as meant, a record ending in '+all' still lets everyone pass (SPF-09 fail).
    for record in (
        "v=spf1 include=_spf.example.net +all",
        "v=spf1 mx include=_spf.example.net all",
    ):
        found = findings(record)
        (suggested,) = offered(found, "SPF-04")
        assert "include:_spf.example.net" in suggested.split(), suggested
        assert not failing(suggested), suggested
        assert suggested.endswith(" -all")
    # Other endings are the owner's choice and stay as they are.
    (suggested,) = offered(findings("v=spf1 include=_spf.example.net ~all"), "SPF-04")
    assert suggested == "v=spf1 include:_spf.example.net ~all"
