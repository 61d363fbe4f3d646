"""The owner's plain `_mta-sts` TXT read by hosting (lookups.sts_record), found by blind round
s41c: a v=STSv1 record that is syntactically invalid is discarded by senders (RFC 8461 §3.1:
"if the resulting record is syntactically invalid, senders MUST assume the recipient domain
does not have an available MTA-STS Policy"), whatever id it names. Hosting read it by its id
alone: the current id with a malformed extension ('note=hello world') was "in place" and
nothing was told; a record with no ';' after the version (no id field) was told as a stale
id to update ('has id= but the policy's id is ...')."""

from __future__ import annotations

import asyncio

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from checks.dns import DnsAnswer, DnsClient
from mailsec.hosting import lookups
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.service import record_told

CURRENT = "20261201120000abcdef12"
NAME = "_mta-sts.example.org"


class Txt(DnsClient):
    """Answers `_mta-sts.example.org` TXT with the given records (each a list of strings)."""

    def __init__(self, *found: list[str]) -> None:
        self.found = found

    async def query(self, name: str, rdtype: str, **kwargs: object) -> DnsAnswer:  # type: ignore[override]
        rdatas = [
            dns.rdata.from_text(
                dns.rdataclass.IN, dns.rdatatype.TXT, " ".join(f'"{s}"' for s in strings)
            )
            for strings in self.found
        ]
        return DnsAnswer(name, rdtype, "NOERROR", rdatas)


def read(*found: list[str]) -> lookups.RecordState:
    return asyncio.run(lookups.sts_record(Txt(*found), "example.org", CURRENT, ""))


@pytest.mark.parametrize(
    ("record", "why"),
    [
        (f"v=STSv1; id={CURRENT}; note=hello world", "its value holds a blank"),
        (f"v=STSv1 id={CURRENT}", 'does not begin with "v=STSv1;"'),
        (f"v=STSv1; id={CURRENT};;", "an empty field"),
        ("v=STSv1; id=2026-12-01", "not only letters and digits"),
    ],
)
def test_an_invalid_record_is_told_as_discarded_whatever_its_id(record: str, why: str) -> None:
    found = read([record])
    assert found.state == "invalid", found
    assert f'{NAME} has "{record}"' in found.detail
    assert why in found.detail
    assert "others apply no policy" in found.detail
    assert "has id=" not in found.detail
    told = record_told(HostedPolicy(name="example.org", policy_id=CURRENT), found, "")
    assert told.startswith(found.detail)
    assert told.endswith(f'Publish {NAME} TXT "v=STSv1; id={CURRENT};" in place of it.')
    zoned = record_told(
        HostedPolicy(name="example.org", policy_id=CURRENT), found, "example.org.policy.example"
    )
    assert zoned.endswith(
        f"Publish {NAME}. CNAME example.org.policy.example. (we change the id there whenever "
        "the policy changes) in place of it."
    )


@pytest.mark.parametrize(
    "strings",
    [
        [f"v=STSv1; id={CURRENT};"],
        [f"v=STSv1;id={CURRENT}"],
        [f"v=STSv1 ; id={CURRENT} ; ext=1"],  # the grammar's spaces, an extension (s39g)
        ["v=STSv1; id=", f"{CURRENT};"],  # two strings, joined without a space
    ],
)
def test_a_valid_record_with_the_current_id_is_in_place(strings: list[str]) -> None:
    assert read(strings).state == "txt"


def test_a_valid_record_with_another_id_is_stale_as_before() -> None:
    found = read(["v=STSv1; id=old1;"])
    assert found.state == "stale" and found.found_id == "old1"


def test_a_record_of_another_kind_beside_is_ignored() -> None:
    assert read(["google-site-verification=abc"], [f"v=STSv1; id={CURRENT};"]).state == "txt"
