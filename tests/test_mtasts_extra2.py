"""checks/mtasts.py on realistic inputs the fixtures do not list: every policy or record a
fix proposes must itself parse and pass (RFC 8461 §3.1, §3.2)."""

from __future__ import annotations

import re

import pytest

from checks import mtasts
from checks.findings import Finding, Status
from tests import test_mtasts
from tests.test_mtasts import ZONE, evaluate


def proposed_files(fix: str) -> list[str]:
    """The complete policy files a fix text offers (the lines after "with:" up to the next
    numbered step)."""
    return [m.group(1) for m in re.finditer(r"with:\n((?:(?!\d\. ).*\n)+)", fix)]


def assert_fixes_parse(findings: list[Finding]) -> None:
    for finding in findings:
        for file in proposed_files(finding.fix):
            policy = mtasts.parse_policy(file)
            serious = [p for p in policy.problems if p.status in {Status.FAIL, Status.WARN}]
            assert policy.valid and not serious, (finding.id, file, serious)
        if finding.fix.startswith("Delete this record"):
            continue
        for record in re.findall(r'TXT "([^"]*)"', finding.fix):
            assert mtasts.parse_sts_record(record).valid, (finding.id, record)


@pytest.mark.parametrize(
    ("mx", "extra"),
    [
        # An MX target written as an IP address (MX-05).
        ("20 192.0.2.12.", {}),
        # A name DNS allows but RFC 5321 Domain (and so an mx line) does not (MX-07).
        ("20 mx_2.example.org.", {("mx_2.example.org", "A"): ["192.0.2.12"]}),
    ],
)
def test_it_does_not_propose_an_mx_line_that_fails_mtasts25(
    monkeypatch: pytest.MonkeyPatch, mx: str, extra: dict[tuple[str, str], list[str]]
) -> None:
    zone = {**ZONE, ("example.org", "MX"): ["10 mx1.example.org.", mx], **extra}
    findings = evaluate(monkeypatch, zone)
    assert_fixes_parse(findings)
    bad_name = mx.split()[1].rstrip(".")
    (uncovered,) = [f for f in findings if f.id == "MTASTS-30"]
    assert uncovered.status == Status.WARN
    # The policy cannot cover it: the fix is the MX record, not a new policy and id.
    assert f"mx: {bad_name}" not in uncovered.fix
    assert "point the MX record" in uncovered.fix and "TXT" not in uncovered.fix


def test_it_sends_an_ip_address_mx_to_the_mx_record(monkeypatch: pytest.MonkeyPatch) -> None:
    zone = {**ZONE, ("example.org", "MX"): ["10 192.0.2.12."]}
    findings = evaluate(monkeypatch, zone)
    assert_fixes_parse(findings)
    (uncovered,) = [f for f in findings if f.id == "MTASTS-30"]
    assert uncovered.status == Status.FAIL
    assert "mx: 192.0.2.12" not in uncovered.fix and "point the MX record" in uncovered.fix


def test_it_sets_up_a_policy_without_an_ip_address_mx(monkeypatch: pytest.MonkeyPatch) -> None:
    zone = {k: v for k, v in ZONE.items() if k[0] != "_mta-sts.example.org" and k[1] != "MX"} | {
        ("example.org", "MX"): ["10 mx1.example.org.", "20 192.0.2.12."]
    }
    findings = evaluate(monkeypatch, zone, error_kind="dns")
    (setup,) = [f for f in findings if f.id == "MTASTS-01"]
    assert "mx: mx1.example.org\n" in setup.fix and "192.0.2.12" not in setup.fix


@pytest.mark.parametrize("stray", ["v=STSv1 id=2", "v=stsv1; id=2", "id=2; v=STSv1"])
def test_it_asks_to_delete_a_discarded_record_next_to_the_valid_one(
    monkeypatch: pytest.MonkeyPatch, stray: str
) -> None:
    # Senders discard a record not beginning with "v=STSv1;" and apply the valid one (RFC 8461
    # §3.1). Publishing a corrected copy (a second valid record) would leave no policy.
    zone = {**ZONE, ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=1"', f'"{stray}"']}
    findings = evaluate(monkeypatch, zone)
    assert_fixes_parse(findings)
    assert [f.status for f in findings if f.id == "MTASTS-02"] == [Status.PASS]
    (found,) = [f for f in findings if f.id == "MTASTS-04"]
    assert found.status == Status.WARN
    assert (
        found.fix == f'Delete this record (keep the valid one): _mta-sts.example.org. TXT "{stray}"'
    )
    assert [f.status for f in findings if f.id == "MTASTS-33"] == [Status.PASS]


def test_it_deletes_a_discarded_record_at_the_alias_target(monkeypatch: pytest.MonkeyPatch) -> None:
    # _mta-sts.example.org CNAME _mta-sts.provider.test: the records live at the target.
    original = test_mtasts.make_ctx
    monkeypatch.setattr(
        test_mtasts,
        "make_ctx",
        lambda d, z, **k: original(
            d, z, cnames={"_mta-sts.example.org": "_mta-sts.provider.test"}, **k
        ),
    )
    zone = {**ZONE, ("_mta-sts.provider.test", "TXT"): ['"v=STSv1; id=1"', '"v=stsv1; id=2"']}
    findings = evaluate(monkeypatch, zone)
    (found,) = [f for f in findings if f.id == "MTASTS-04"]
    assert found.fix.startswith(
        'Delete this record (keep the valid one): _mta-sts.provider.test. TXT "v=stsv1; id=2"'
    )
    assert "its TXT record is changed there" in found.fix


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (" v=STSv1; id=1", "begins with whitespace"),
        ("\tv=STSv1; id=1", "begins with whitespace"),
        ("v=STSv1 ", "has no ';' after"),
    ],
)
def test_it_says_why_a_record_with_the_right_version_text_is_discarded(raw: str, says: str) -> None:
    # The old text ("starts with 'v=STSv1'; the version must be exactly "v=STSv1"") named the
    # right version as the fault.
    (problem,) = mtasts.parse_sts_record(raw).problems
    assert (problem.check_id, problem.status) == ("MTASTS-04", Status.FAIL)
    assert says in problem.message


def test_it_says_an_eleven_digit_max_age_is_too_long_not_non_numeric() -> None:
    body = "version: STSv1\nmode: enforce\nmx: mx1.example.com\nmax_age: 00000604800\n"
    (problem,) = mtasts.parse_policy(body).problems
    assert (problem.check_id, problem.status) == ("MTASTS-23", Status.FAIL)
    assert "more than the 10 digits" in problem.message and "not a number" not in problem.message


def test_it_names_a_comment_after_an_mx_value() -> None:
    # Not "several names on one line" (MTASTS-26): a trailing comment is read as part of the
    # name, which then matches no MX.
    pattern, problems = mtasts.check_mx_value("mx1.example.com # primary")
    assert pattern is None
    assert [(p.check_id, p.status) for p in problems] == [("MTASTS-25", Status.FAIL)]
    assert "comment" in problems[0].message


def test_it_deletes_a_spaced_record_next_to_the_valid_one(monkeypatch: pytest.MonkeyPatch) -> None:
    # "v=STSv1 ;" is discarded by senders keying on the literal "v=STSv1;" and counted by the
    # others (erratum 6285): still two records for some (MTASTS-02 fail), but the fix deletes
    # it; a fresh valid record in its place would make two records for every sender.
    zone = {**ZONE, ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=1"', '"v=STSv1 ; id=2"']}
    findings = evaluate(monkeypatch, zone)
    assert_fixes_parse(findings)
    delete = 'Delete this record (keep the valid one): _mta-sts.example.org. TXT "v=STSv1 ; id=2"'
    (two,) = [f for f in findings if f.id == "MTASTS-02"]
    assert two.status == Status.FAIL and two.fix == delete
    (spaced,) = [f for f in findings if f.id == "MTASTS-06"]
    assert spaced.status == Status.WARN and spaced.fix == delete


def test_it_deletes_every_discarded_record_next_to_the_valid_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A spaced record makes the status "multiple", but the one valid "v=STSv1;" record is still
    # what strict senders apply. The third record, discarded by every sender, was offered a
    # fresh "v=STSv1; id=..." record: two valid records, and no policy for anyone (RFC 8461
    # §3.1). Every discarded record is to be deleted instead.
    zone = {
        **ZONE,
        ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=1"', '"v=STSv1 ; id=2"', '"id=3; v=STSv1"'],
    }
    findings = evaluate(monkeypatch, zone)
    assert_fixes_parse(findings)
    prefix = "Delete this record (keep the valid one): _mta-sts.example.org. TXT "
    (two,) = [f for f in findings if f.id == "MTASTS-02"]
    assert two.status == Status.FAIL and two.fix == prefix + '"v=STSv1 ; id=2"'
    (stray,) = [f for f in findings if f.id == "MTASTS-04"]
    assert stray.status == Status.WARN and stray.fix == prefix + '"id=3; v=STSv1"'
    fresh = [f for f in findings if re.search(r'TXT "v=STSv1; id=(?!1")', f.fix)]
    assert not fresh, [(f.id, f.fix) for f in fresh]


@pytest.mark.parametrize(
    ("published", "check_id"),
    [(r'"v=STSv1 id=\"2\""', "MTASTS-04"), (r'"v=STSv1 ; id=\"2\""', "MTASTS-06")],
)
def test_it_quotes_the_record_to_delete_as_a_zone_file_line(
    monkeypatch: pytest.MonkeyPatch, published: str, check_id: str
) -> None:
    # The raw record went between quotes as it was: TXT "v=STSv1 id="2"" is no TXT record
    # a zone file or DNS panel reads, and not the one to delete. Quotes are escaped, as in
    # every other TXT fix.
    zone = {**ZONE, ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=1"', published]}
    findings = evaluate(monkeypatch, zone)
    (found,) = [f for f in findings if f.id == check_id]
    assert found.fix == (
        "Delete this record (keep the valid one): _mta-sts.example.org. TXT " + published
    )


def test_it_splits_a_long_record_to_delete_into_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    # One string holds at most 255 octets (RFC 1035 §3.3): a longer stray was published split,
    # and the line naming it must be one a zone file accepts.
    stray = "id=2; v=STSv1; " + "x" * 300
    zone = {
        **ZONE,
        ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=1"', f'"{stray[:255]}" "{stray[255:]}"'],
    }
    findings = evaluate(monkeypatch, zone)
    (found,) = [f for f in findings if f.id == "MTASTS-04"]
    strings = re.findall(r'"([^"]*)"', found.fix.split(" TXT ", 1)[1])
    assert "".join(strings) == stray and all(len(s) <= 255 for s in strings)
