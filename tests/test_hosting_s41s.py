"""The owner's plain `_mta-sts` TXT pasted with its quotes ('"v=STSv1; id=<current>;"', a DNS
panel keeping the quotes of a zone-file line as text): senders discard it (it does not begin
with "v=STSv1;", RFC 8461 §3.1), and the engine's MTASTS-04 names the quotes. Hosting read only
records beginning with the bytes "v=STSv1", so it told this one as no record at all ("has no
MTA-STS record"), leaving the owner looking for a record that is there (task s41s)."""

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
    """Answers `_mta-sts.example.org` TXT with the given records, each one string as
    published (its quotes, if any, part of the text)."""

    def __init__(self, *found: str) -> None:
        self.found = found

    async def query(self, name: str, rdtype: str, **kwargs: object) -> DnsAnswer:  # type: ignore[override]
        rdatas = [
            dns.rdata.from_text(
                dns.rdataclass.IN, dns.rdatatype.TXT, '"' + text.replace('"', '\\"') + '"'
            )
            for text in self.found
        ]
        return DnsAnswer(name, rdtype, "NOERROR", rdatas)


def read(*found: str) -> lookups.RecordState:
    return asyncio.run(lookups.sts_record(Txt(*found), "example.org", CURRENT, ""))


@pytest.mark.parametrize(
    ("record", "quotes"),
    [
        (f'"v=STSv1; id={CURRENT};"', "written between quotes"),
        (f'"v=STSv1; id={CURRENT};', "written with a quote"),
        (f"\u201cv=STSv1; id={CURRENT};\u201d", "typographic quotes"),
    ],
)
def test_s41s_a_quoted_record_is_told_as_invalid_not_missing(record: str, quotes: str) -> None:
    found = read(record)
    assert found.state == "invalid", found
    assert "has no MTA-STS record" not in found.detail
    assert f'{NAME} has "{record}".' in found.detail
    # The engine's reason (MTASTS-04), as lookups.invalid_reason words it: the quotes named,
    # without the engine's own fix ('Retype it without them, with a new id').
    assert quotes in found.detail
    assert "Retype" not in found.detail
    assert "others apply no policy" in found.detail
    told = record_told(HostedPolicy(name="example.org", policy_id=CURRENT), found, "")
    assert told.endswith(f'Publish {NAME} TXT "v=STSv1; id={CURRENT};" in place of it.')


def test_s41s_a_quoted_record_beside_the_current_one_changes_nothing() -> None:
    # Senders discard the quoted one (no "v=STSv1;" first) and count the other (§3.1).
    found = read(f'"v=STSv1; id={CURRENT};"', f"v=STSv1; id={CURRENT};")
    assert found.state == "txt", found


def test_s41s_an_unrelated_quoted_txt_is_still_no_record() -> None:
    found = read('"google-site-verification=abc"')
    assert found.state == "missing", found


def test_s41s_before_hosting_a_quoted_record_is_not_the_owners_own_to_keep() -> None:
    # With no policy id of ours yet the page read it as "your own MTA-STS record (id=) ...
    # Keep it": senders discard it, so there is no policy of the owner's it serves.
    found = asyncio.run(lookups.sts_record(Txt(f'"v=STSv1; id={CURRENT};"'), "example.org", "", ""))
    assert found.state == "invalid", found
    assert "written between quotes" in found.detail
    assert "Keep it" not in found.detail
