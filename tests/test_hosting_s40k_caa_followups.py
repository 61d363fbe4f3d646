"""Follow-ups of review s40r on hosted MTA-STS's CAA reading (task s40k).

- Flag 1 (RFC 8659 §4.1): 128 is the Issuer Critical flag, bit 0 as RFC 1035 numbers bits;
  flag 1 is bit 7, reserved. RFC 6844's numbering was read the other way round by many
  publishers, and Let's Encrypt's Boulder (va/caa.go filterCAA: `Flag & (128 | 1)`) refuses
  for an unknown tag with flag 1 as with 128. We read the RRset as our CA does: such a property
  forbids it, and the row names the record to remove (or to set to flags 0). Other reserved
  bits (2, 4, ...) stay ignored, and a known tag with flag 1 is read as ever.
"""

from __future__ import annotations

import pytest

from mailsec.hosting import caa
from tests.test_hosting_s39k_caa import read, rec

pytestmark = pytest.mark.real_caa

LE = "letsencrypt.org"


@pytest.mark.parametrize(
    ("records", "state"),
    [
        (['1 tbs "x"'], caa.BLOCKED),  # flag 1, unknown tag: Boulder refuses
        (['1 tbs "x"', '0 issue "letsencrypt.org"'], caa.BLOCKED),  # even beside our issue
        (['129 tbs "x"', '0 issue "letsencrypt.org"'], caa.BLOCKED),
        (['3 tbs "x"', '0 issue "letsencrypt.org"'], caa.BLOCKED),  # bit 7 set among others
        (['2 tbs "x"', '0 issue "letsencrypt.org"'], caa.ALLOWED),  # reserved bit: ignored
        (['64 tbs "x"', '0 issue "letsencrypt.org"'], caa.ALLOWED),
        (['1 issue "letsencrypt.org"'], caa.ALLOWED),  # known tag: read as ever
        (['1 iodef "mailto:a@example.org"'], caa.ALLOWED),
        (['1 issue "digicert.com"'], caa.BLOCKED),  # known tag naming another CA: add ours
    ],
)
def test_flag_1_is_read_as_critical_as_our_ca_reads_it(records: list[str], state: str) -> None:
    decision = caa.decide([rec(r) for r in records], LE)
    assert decision.state == state, decision.reason


def test_a_flag_1_unknown_tag_is_named_with_the_record_to_remove() -> None:
    reading, _ = read({"example.org": ("NOERROR", ['1 tbs "x"', '0 issue "letsencrypt.org"'], [])})
    assert reading.state == caa.BLOCKED
    assert reading.fix == ""  # adding a record cannot help: that one must go
    assert 'Remove example.org. CAA 1 tbs "x"' in reading.detail
    assert "flags to 0" in reading.detail
    assert "Let's Encrypt" in reading.detail  # why flag 1 counts although RFC 8659 reserves it


def test_a_flag_128_unknown_tag_names_the_record_to_remove_too() -> None:
    reading, _ = read(
        {"example.org": ("NOERROR", ['128 tbs "x"', '0 issue "letsencrypt.org"'], [])}
    )
    assert reading.state == caa.BLOCKED
    assert 'Remove example.org. CAA 128 tbs "x"' in reading.detail
    assert "Let's Encrypt" not in reading.detail  # 128 is critical by the RFC itself
