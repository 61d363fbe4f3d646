"""Round s19k: DMARC-03 beside a valid record says what the ignored record's problem is.

The warning (1be7722) explained a receiver reading the version without regard to case for every
record beside the valid one, also for 'p=reject; v=DMARC1', whose problem is tag order. The
case is named only for a version 'v=dmarc1' in another case; an ignored record stricter than
the applied one is said to be, with the record to publish if it is the one meant.
"""

from __future__ import annotations

import re

from checks import dmarc
from checks.findings import Finding, Status
from tests.test_spf_dmarc_s19k import ORG, evaluate, mail_domain, only

VALID_NONE = "v=DMARC1; p=none"


def dmarc03(records: list[str]) -> Finding:
    zone = mail_domain(**{ORG: ['"v=spf1 mx -all"'], f"_dmarc.{ORG}": records})
    finding = only(evaluate(dmarc, ORG, zone), "DMARC-03")
    assert finding.status == Status.WARN
    return finding


def test_it_speaks_of_tag_order_not_case_for_a_version_not_first() -> None:
    finding = dmarc03([f'"{VALID_NONE}"', '"p=reject; v=DMARC1"'])
    assert "without regard to case" not in finding.summary
    assert "first tag" in finding.summary


def test_it_speaks_of_case_for_a_lowercase_version() -> None:
    finding = dmarc03([f'"{VALID_NONE}"', '"v=dmarc1; p=none"'])
    assert "without regard to case" in finding.summary
    assert "stricter" not in finding.summary


def test_it_says_when_the_ignored_record_is_stricter_than_the_applied_one() -> None:
    finding = dmarc03([f'"{VALID_NONE}"', '"p=reject; v=DMARC1"'])
    assert "stricter" in finding.summary
    assert "p=reject" in finding.summary
    # the record to publish if the stricter one is meant, in place of the applied one
    assert re.search(r'_dmarc\.example\.org\. TXT "v=DMARC1; p=reject"', finding.fix)


def test_it_does_not_call_a_weaker_ignored_record_stricter() -> None:
    finding = dmarc03(['"v=DMARC1; p=reject"', '"V=dmarc1; p=none"'])
    assert "stricter" not in finding.summary
    assert '"v=DMARC1; p=none"' not in finding.fix
