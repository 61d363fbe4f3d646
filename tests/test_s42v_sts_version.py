"""Task s42v: an `_mta-sts` TXT naming a version other than STSv1, read the same way everywhere.

RFC 8461 §3.1: the record is `sts-version 1*(sts-field-delim sts-field) [sts-field-delim]` with
`sts-version = %s"v=STSv1"` (case-sensitive, RFC 7405), "records that do not begin with
"v=STSv1;" are discarded", and "if the resulting record is syntactically invalid, senders MUST
assume the recipient domain does not have an available MTA-STS Policy". A lone
'v=STSv10; id=1' is no more a record senders apply than 'v=STSv2; id=1': its version field
is 'v=STSv10', and after "v=STSv1" comes '0', not a delimiter. postfix-mta-sts-resolver 1.5.1
keeps every TXT beginning with the bytes "v=STSv1", then drops the record whose v= is not
exactly 'STSv1' (resolver.py: NONE): no policy for either.

* The engine read a lone 'v=STSv10' (also 'v=STSv1x', 'v=STSv1.0') as an MTA-STS record
  published (MTASTS-01 pass) that is invalid (MTASTS-04 fail), but a lone 'v=STSv2' as no
  record (MTASTS-01 info, with the version named and the record to publish in its place).
  Both are now read as 'v=STSv2' is: MTASTS-01 info, no MTASTS-04. Beside a valid record,
  'v=STSv10' keeps its MTASTS-04 warn (a sender testing the bytes "v=STSv1" counts it: s24e),
  'v=STSv2' keeps its silence (no sender counts it).
* Hosting's reader (lookups.sts_record) took only TXT beginning with the bytes "v=STSv1", so a
  lone 'v=STSv2; id=…', or 'V=STSv1; id=…' in another case, read as "missing" while the engine
  names it. It is now told as the invalid record senders discard, with MTASTS-04's reason.
* 'V=STSv1; id=1' is the STSv1 record in the wrong case (checklist MTASTS-04, F06c): the
  engine keeps MTASTS-01 pass beside MTASTS-04 fail for it, as for the other records meant as
  STSv1 that senders discard (quotes, no ';')."""

from __future__ import annotations

import asyncio

import pytest

from checks.findings import Status
from mailsec.hosting import lookups
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.service import record_told
from tests.test_engine_s32t_blind import Case, policy_file, policy_text, run_case, sts_site
from tests.test_hosting_s41s import CURRENT, NAME, Txt

DOMAIN = "s42v.example"
TXT_NAME = f"_mta-sts.{DOMAIN}"


def _mtasts(records: list[str], served: bool = True) -> dict[str, list]:
    case = Case(
        "s42v-version",
        "mtasts",
        DOMAIN,
        sts_site(DOMAIN, records),
        files=policy_file(DOMAIN, policy_text(DOMAIN)) if served else {},
    )
    found: dict[str, list] = {}
    for f in run_case(case):
        found.setdefault(f.id, []).append(f)
    return found


OTHER_VERSIONS = [
    ("v=STSv10; id=20261201", "v=STSv10"),
    ("v=STSv1x; id=20261201", "v=STSv1x"),
    ("v=STSv1.0; id=20261201", "v=STSv1.0"),
    ("v=STSv2; id=20261201", "v=STSv2"),  # control: read so since d0df913b
]


@pytest.mark.parametrize("served", [True, False])
@pytest.mark.parametrize(("record", "version"), OTHER_VERSIONS)
def test_s42v_a_lone_record_of_another_version_is_no_record(
    record: str, version: str, served: bool
) -> None:
    found = _mtasts([record], served)
    (absent,) = found["MTASTS-01"]
    assert absent.status == Status.INFO, absent.summary
    assert "MTASTS-04" not in found, [f.summary for f in found.get("MTASTS-04", [])]
    assert f"{version!r} is no version senders know: STSv1 is the only one" in absent.summary
    assert "so senders ignore it." in absent.summary, absent.summary
    fix = absent.fix or ""
    assert f'{TXT_NAME}. TXT "v=STSv1; id=' in fix, fix
    assert f"in place of the TXT record '{record}' at {TXT_NAME}" in fix, fix
    # Nothing passes on the record (MTASTS-01, -02, -05).
    passed = {f.id for fs in found.values() for f in fs if f.status == Status.PASS}
    assert not passed & {"MTASTS-01", "MTASTS-02", "MTASTS-05"}, passed


def test_s42v_beside_a_valid_record_v_stsv10_still_warns_and_v_stsv2_says_nothing() -> None:
    # Controls (s24e, s41k, s42b): RFC 8461 senders apply the valid record; one testing the
    # bytes "v=STSv1" (postfix-mta-sts-resolver) counts 'v=STSv10' too, and none counts 'v=STSv2'.
    found = _mtasts(["v=STSv1; id=20261201;", "v=STSv10; id=5"])
    assert [f.status for f in found["MTASTS-02"]] == [Status.PASS]
    (stray,) = found["MTASTS-04"]
    assert stray.status == Status.WARN and "v=STSv10; id=5" in stray.summary
    found = _mtasts(["v=STSv1; id=20261201;", "v=STSv2; id=5"])
    assert [f.status for f in found["MTASTS-02"]] == [Status.PASS]
    assert "MTASTS-04" not in found


@pytest.mark.parametrize(
    ("record", "words"),
    [
        ("V=STSv1; id=20261201", "(case-sensitive)"),
        ("v=stsv1; id=20261201", "(case-sensitive)"),
        ("v=STSv1 id=20261201", 'does not begin with "v=STSv1;"'),
        ("v=STSv1,id=20261201", 'does not begin with "v=STSv1;"'),
    ],
)
def test_s42v_a_lone_record_meant_as_stsv1_keeps_mtasts04(record: str, words: str) -> None:
    # Controls: the STSv1 record written wrong (checklist F06c), not another version.
    found = _mtasts([record])
    assert [f.status for f in found["MTASTS-01"]] == [Status.PASS]
    (bad,) = found["MTASTS-04"]
    assert bad.status == Status.FAIL and words in bad.summary, bad.summary


def _hosting(*found: str, policy_id: str = CURRENT) -> lookups.RecordState:
    return asyncio.run(lookups.sts_record(Txt(*found), "example.org", policy_id, ""))


@pytest.mark.parametrize(
    ("record", "why"),
    [
        (f"v=STSv2; id={CURRENT}", "its version field, first as it must be, is 'v=STSv2'"),
        (f"V=STSV2; id={CURRENT}", "its version field, first as it must be, is 'V=STSV2'"),
        (f"v=STS1; id={CURRENT};", "its version field, first as it must be, is 'v=STS1'"),
        (f"V=STSv1; id={CURRENT};", "(case-sensitive)"),
        (f"v=stsv1; id={CURRENT};", "(case-sensitive)"),
        # Controls: read so since s41c/s41k.
        (f"v=STSv10; id={CURRENT};", "its version field, first as it must be, is 'v=STSv10'"),
        (f"v=STSv1x; id={CURRENT};", "its version field, first as it must be, is 'v=STSv1x'"),
    ],
)
@pytest.mark.parametrize("policy_id", [CURRENT, ""])
def test_s42v_hosting_tells_a_lone_record_of_another_version_or_case_as_invalid(
    record: str, why: str, policy_id: str
) -> None:
    found = _hosting(record, policy_id=policy_id)
    assert found.state == "invalid", found
    assert "has no MTA-STS record" not in found.detail
    assert f'{NAME} has "{record}".' in found.detail
    assert why in found.detail, found.detail
    assert "others apply no policy" in found.detail
    if policy_id:
        told = record_told(HostedPolicy(name="example.org", policy_id=CURRENT), found, "")
        assert told.endswith(f'Publish {NAME} TXT "v=STSv1; id={CURRENT};" in place of it.')


@pytest.mark.parametrize("other", ["v=STSv2; id=1", "V=STSv1; id=1", "v=STSv10; id=1"])
def test_s42v_hosting_beside_the_current_record_another_version_changes_nothing(
    other: str,
) -> None:
    # Senders discard it and apply the current record (RFC 8461 §3.1): no second record.
    found = _hosting(f"v=STSv1; id={CURRENT};", other)
    assert found.state == "txt", found


@pytest.mark.parametrize(
    "other", ["google-site-verification=abc", "vendor=sts; v=2", "v=spf1 -all"]
)
def test_s42v_hosting_an_unrelated_txt_is_still_no_record(other: str) -> None:
    assert _hosting(other).state == "missing"


@pytest.mark.parametrize(
    "found",
    [
        ("v=STSv2; id=1", "v=STSv2; id=2"),
        ("V=STSv1; id=1", "v=STSv2; id=2"),
        ("v=STSv1 id=1", "v=STSv10; id=2"),  # read "2 MTA-STS records (id=, ): Keep one" before
    ],
)
def test_s42v_hosting_several_records_senders_all_discard_are_told_so(
    found: tuple[str, str],
) -> None:
    # None begins with "v=STSv1;" (nor is the whitespace variant): senders discard them all
    # and see no record (RFC 8461 §3.1). Not "2 MTA-STS records ... Keep one": neither is one
    # to keep, and they name no id.
    state = _hosting(*found)
    assert state.state == "invalid", state
    assert f'{NAME} has "{found[0]}" and "{found[1]}"' in state.detail, state.detail
    assert 'none of them begins with "v=STSv1;"' in state.detail, state.detail
    assert "Keep one" not in state.detail and "id=," not in state.detail
    told = record_told(HostedPolicy(name="example.org", policy_id=CURRENT), state, "")
    assert told.endswith(f'Publish {NAME} TXT "v=STSv1; id={CURRENT};" in place of them.'), told


@pytest.mark.parametrize(
    ("found", "them"), [(("v=STSv2; id=1",), "it"), (("v=STSv2; id=1", "V=STSv1; id=2"), "them")]
)
def test_s42v_hosting_off_the_records_to_remove_name_what_senders_discard(
    found: tuple[str, ...], them: str
) -> None:
    # Once hosting is off, the records panel's _mta-sts row: a record senders discard was
    # 'removed' (read "missing") for 'v=STSv2; id=1'; it is there, to remove.
    from mailsec.hosting.views import _released_rows

    state = _hosting(*found, policy_id="")
    _host, row = _released_rows(
        "example.org",
        "",
        False,
        lookups.Leads("mta-sts.example.org does not exist yet", "missing"),
        state,
    )
    assert row[:2] == ("invalid", "yes: remove it"), row
    assert f'{NAME} has "{found[0]}"' in row[2], row
    assert row[2].endswith(f"Senders discard {them} as invalid (RFC 8461 §3.1): remove {them}."), (
        row
    )
