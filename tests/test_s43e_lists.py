"""Task s43e, after the items: lists of three or more in findings read as a sentence lists them.

Several findings joined what they name with ' and ' alone, so three read "'a' and 'b' and 'c'":
the TXT records held where a record is looked for (dns.held_txt_records: MTASTS-01 and the
other "not the record" findings), one MTA-STS record in several spellings (MTASTS-02), report
addresses run together (DMARC-12, TLSRPT-06), Unicode names (SPF-15) and the ranges SPF-09
names. They now use checks.findings.series, the shared helper ("'a', 'b' and 'c'"); two read as
before."""

from __future__ import annotations

from typing import Any

from checks import dmarc, mtasts, spf, tlsrpt
from checks.findings import Finding
from tests.test_spf import run

D = "example.com"
MX = {(D, "MX"): [f"10 mx.{D}."]}


def _one(module: Any, zone: dict[Any, Any], check_id: str) -> Finding:
    (found,) = [f for f in run(module, D, {**MX, **zone}) if f.id == check_id]
    return found


def test_s43e_three_txt_records_held_at_mta_sts() -> None:
    found = _one(mtasts, {(f"_mta-sts.{D}", "TXT"): ["hello", "foo", "bar"]}, "MTASTS-01")
    assert (
        f"_mta-sts.{D} holds a TXT record 'hello', a TXT record 'foo' and a TXT record 'bar', "
        "which are not MTA-STS records" in found.summary
    ), found.summary
    two = _one(mtasts, {(f"_mta-sts.{D}", "TXT"): ["hello", "foo"]}, "MTASTS-01")
    assert "holds a TXT record 'hello' and a TXT record 'foo', which" in two.summary


def test_s43e_one_mta_sts_record_written_three_ways() -> None:
    records = ["v=STSv1; id=1", "v=STSv1; id=1;", "v=STSv1;id=1"]
    found = _one(mtasts, {(f"_mta-sts.{D}", "TXT"): records}, "MTASTS-02")
    assert (
        "written 3 ways, 'v=STSv1; id=1', 'v=STSv1; id=1;' and 'v=STSv1;id=1': keep the first"
        in found.summary
    ), found.summary
    assert (
        f'Delete the records _mta-sts.{D}. TXT "v=STSv1; id=1;" and _mta-sts.{D}. TXT '
        '"v=STSv1;id=1" and keep' in found.fix
    ), found.fix


RUN = "mailto:a@x.examplemailto:b@x.examplemailto:c@x.example"
NAMED = "'mailto:a@x.example', 'mailto:b@x.example' and 'mailto:c@x.example' need a ','"


def test_s43e_three_dmarc_report_addresses_run_together() -> None:
    found = _one(dmarc, {(f"_dmarc.{D}", "TXT"): [f"v=DMARC1; p=none; rua={RUN}"]}, "DMARC-12")
    assert f"runs 3 addresses together: {NAMED}" in found.summary, found.summary


def test_s43e_three_tlsrpt_report_addresses_run_together() -> None:
    found = _one(tlsrpt, {(f"_smtp._tls.{D}", "TXT"): [f"v=TLSRPTv1; rua={RUN}"]}, "TLSRPT-06")
    assert f"runs 3 addresses together: {NAMED}" in found.summary, found.summary


def test_s43e_three_unicode_names_in_spf() -> None:
    record = "v=spf1 a:mail.müller.example a:mx.bäcker.example include:spf.döner.example -all"
    (problem,) = [p for p in spf.parse_spf(record).problems if p.check_id == "SPF-15"]
    assert (
        "names 'mail.müller.example', 'mx.bäcker.example' and 'spf.döner.example' in Unicode"
        in problem.message
    ), problem.message


def test_s43e_three_ranges_spf09_names() -> None:
    record = "v=spf1 mx ?ip4:0.0.0.0/1 ?ip4:128.0.0.0/2 ?ip4:192.0.0.0/2 -all"
    found = _one(spf, {(D, "TXT"): [record]}, "SPF-09")
    named = "'?ip4:0.0.0.0/1', '?ip4:128.0.0.0/2' and '?ip4:192.0.0.0/2'"
    assert f"but {named} before it give 'neutral'" in found.summary, found.summary
    assert f"remove {named} so that" in found.summary, found.summary


def test_series_of_nothing_is_empty() -> None:
    """An empty list reads as nothing rather than raising, so a caller listing what it found
    (held_txt_records for a name holding no TXT at all) needs no guard of its own."""
    from checks.findings import series

    assert series([]) == ""
    assert series(["a"]) == "a"
    assert series(["a", "b", "c"], "or") == "a, b or c"
