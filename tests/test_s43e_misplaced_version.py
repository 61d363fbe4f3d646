"""Task s43e, items 2 and 3: MTA-STS records of another version, in MTASTS-01's words.

2. MTASTS-01 told a misplaced record of another version ('v=STSv2; id=1' at _mta_sts) to be
   moved to _mta-sts: moved, senders would still discard it (RFC 8461 §3.1: STSv1 is the only
   version). It now says to delete it and publish an STSv1 record there instead, as the fix
   does.
3. MTASTS-01's fix named three records of another version at _mta-sts as 'a and b and c'; it
   lists them as a sentence does ('a, b and c', checks.findings.series)."""

from __future__ import annotations

from typing import Any

import pytest

from checks import mtasts
from checks.findings import Status
from tests.blind_engine import run_engine
from tests.test_engine_s19z_nomail import D as NOMAIL
from tests.test_engine_s19z_nomail import check, free_port, web_only
from tests.test_engine_s33e import DOMAIN, UNDERSCORE, _mtasts01, _run, _zone
from tests.test_engine_s35e_misplaced import _one
from tests.test_s42i_mtasts_leftovers import _misplaced

# --- 2. a misplaced record of another MTA-STS version -----------------------------------------

STSV2 = "v=STSv2; id=20261201"
STSV1 = "v=STSv1; id=20261201"
HOME = f"_mta-sts.{DOMAIN}"


@pytest.mark.parametrize("at", [UNDERSCORE, f"mta-sts.{DOMAIN}"])
@pytest.mark.parametrize("record", [STSV2, "v=STSv10; id=20261201", "v=STS1; id=20261201"])
def test_s43e_a_misplaced_record_of_another_version_is_replaced_not_moved(
    at: str, record: str
) -> None:
    finding = _misplaced(at, record)
    assert finding.status == Status.INFO  # no status change
    assert "move it there" not in finding.summary, finding.summary
    assert (
        f"RFC 8461 §3.1 puts it at {HOME}, so delete it and publish an STSv1 record there "
        "instead." in finding.summary
    ), finding.summary
    # What the fix does: the STSv1 record at _mta-sts, the misplaced one deleted.
    assert f'{HOME}. TXT "v=STSv1; id=' in finding.fix, finding.fix
    assert f'{at}. TXT "{record}"' in finding.fix, finding.fix


def test_s43e_a_misplaced_stsv1_record_is_still_moved() -> None:
    finding = _misplaced(UNDERSCORE, STSV1)
    assert f"RFC 8461 §3.1 puts it at {HOME}, so move it there." in finding.summary


def test_s43e_misplaced_records_of_both_versions_are_replaced() -> None:
    zone = _zone(STSV1)
    zone[(f"mta-sts.{DOMAIN}", "TXT")] = [STSV2]
    finding = _mtasts01(_run(zone, {})[0])
    assert "move it there" not in finding.summary, finding.summary
    assert "so delete them and publish an STSv1 record there instead." in finding.summary


def test_s43e_beside_mx01s_null_mx_another_version_is_deleted_either_way() -> None:
    address = "127.0.235.1"
    zone = web_only(address)
    zone[(f"_mta_sts.{NOMAIL}", "TXT")] = ['"v=STSv2; id=20261203"']
    report = check(NOMAIL, zone, free_port(address))
    assert f"{NOMAIL}. MX 0 ." in _one(report.findings, "MX-01").fix.split("\n")
    found = _one(report.findings, "MTASTS-01")
    assert "move it there" not in found.summary, found.summary
    assert (
        f"puts it at _mta-sts.{NOMAIL}: delete it, and publish an STSv1 record there if "
        f"{NOMAIL} is to receive mail; with the null MX that MX-01 proposes, it needs none."
        in found.summary
    ), found.summary


# --- 3. several records of another version at _mta-sts, listed --------------------------------


def test_s43e_three_records_of_another_version_are_listed_as_a_sentence_lists() -> None:
    records = ["v=STSv2; id=1", "v=STSv3; id=2", "v=STSv4; id=3"]
    zone: dict[Any, Any] = _zone(None, at_hyphen=True)
    zone[(HOME, "TXT")] = records
    finding = _mtasts01(run_engine(mtasts, DOMAIN, zone).findings)
    named = "'v=STSv2; id=1', 'v=STSv3; id=2' and 'v=STSv4; id=3'"
    assert f"in place of the TXT records {named} at {HOME}: senders ignore them" in (finding.fix), (
        finding.fix
    )
    two = _mtasts01(run_engine(mtasts, DOMAIN, {**zone, (HOME, "TXT"): records[:2]}).findings)
    assert "'v=STSv2; id=1' and 'v=STSv3; id=2' at" in two.fix, two.fix
