"""DMARC-02's merged record gives each report mailbox once (task s39f, item 2).

Several DMARC records at one name: receivers apply none (RFC 7489 §6.6.3 step 5), and the fix
merges them into one that keeps every report address of the owner's (dmarc.merged_record). Two
records naming one mailbox with its domain written in another case ('mailto:dmarc@X.COM' and
'mailto:dmarc@x.com') gave that mailbox twice: a receiver sends each report to both (RFC 7489
§6.2), and one that sends to only the first two URIs of a list (it MAY, and MUST support at
least two) has a slot taken by the duplicate.

What is the same mailbox:
- the domain part ignores case (RFC 5321 §2.4: "Mailbox domains follow normal DNS rules and are
  hence not case sensitive", RFC 4343), and so does the scheme (RFC 3986 §3.1);
- a local part percent-encoded is the same local part decoded (RFC 6068 §2);
- the local part's case is NOT folded: RFC 5321 §2.4 says it "MUST BE treated as case
  sensitive" and is "interpreted and assigned semantics only by the host specified in the
  domain part". Most hosts fold it, but only x.com's can say that DMARC@ and dmarc@ are one
  mailbox; keeping both costs a second copy of a report at worst, dropping one may lose every
  report meant for it.
"""

from __future__ import annotations

import asyncio

import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from checks import dmarc
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dmarc import merged_record, parse_dmarc, parse_uris
from checks.findings import Status
from tests.test_dns_s9_server import Reply, answer, fake_dns, records


def _rua(records: list[str]) -> list[str]:
    """The report addresses of the merged record, as written in it."""
    merged = parse_dmarc(merged_record("x.com", records))
    return [uri.text for uri in parse_uris(merged.tags["rua"])]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("mailto:dmarc@X.COM", "mailto:dmarc@x.com"),
        ("MAILTO:dmarc@x.com", "mailto:dmarc@x.com"),
        ("mailto:dmarc@x.com!10m", "mailto:dmarc@X.com"),
        ("mailto:%64marc@x.com", "mailto:dmarc@x.com"),
    ],
)
def test_one_mailbox_written_two_ways_is_kept_once(first: str, second: str) -> None:
    records = [f"v=DMARC1; p=none; rua={first}", f"v=DMARC1; p=reject; rua={second}"]
    kept = _rua(records)
    assert len(kept) == 1, kept
    # One of the owner's two spellings, as written (the records are read sorted).
    assert kept[0] in (first, second)
    assert kept == _rua(list(reversed(records)))  # whatever order DNS returns them in


def test_local_parts_differing_in_case_are_two_mailboxes() -> None:
    records = [
        "v=DMARC1; p=none; rua=mailto:DMARC@x.com",
        "v=DMARC1; p=reject; rua=mailto:dmarc@x.com",
    ]
    assert sorted(_rua(records)) == ["mailto:DMARC@x.com", "mailto:dmarc@x.com"]


def test_other_mailboxes_are_all_kept_in_order() -> None:
    records = [
        "v=DMARC1; p=none; rua=mailto:a@x.com,mailto:b@Y.org",
        "v=DMARC1; p=none; rua=mailto:b@y.org,mailto:c@x.com; ruf=mailto:f@X.com",
        "v=DMARC1; p=none; ruf=mailto:f@x.com",
    ]
    assert _rua(records) == ["mailto:a@x.com", "mailto:b@Y.org", "mailto:c@x.com"]
    merged = merged_record("x.com", records)
    assert merged.count("f@") == 1 and "ruf=mailto:f@X.com" in merged


def test_the_dmarc02_fix_gives_one_mailbox_once() -> None:
    # End to end: DMARC-02 for two records at _dmarc, from a real DNS server on loopback.
    texts = [
        '"v=DMARC1; p=quarantine; rua=mailto:rep@X.com"',
        '"v=DMARC1; p=none; rua=mailto:rep@x.com"',
    ]

    def handler(query: dns.message.Message, transport: str) -> Reply:
        q = query.question[0]
        if q.name.to_text().lower() == "_dmarc.x.com." and q.rdtype == dns.rdatatype.TXT:
            return Reply(answer(query, *(records(f"_dmarc.x.com. 300 TXT {t}") for t in texts)))
        return Reply(answer(query, rcode=dns.rcode.NXDOMAIN))

    with fake_dns(handler) as server:  # type: ignore[arg-type]
        config = CheckConfig(resolvers=(server.address,), timeout=2.0)
        findings = asyncio.run(dmarc.evaluate(CheckContext("x.com", config)))
    (two,) = [f for f in findings if f.id == "DMARC-02"]
    assert two.status == Status.FAIL
    assert '_dmarc.x.com. TXT "v=DMARC1; p=quarantine; rua=mailto:rep@' in two.fix
    assert two.fix.lower().count("mailto:rep@x.com") == 1, two.fix
