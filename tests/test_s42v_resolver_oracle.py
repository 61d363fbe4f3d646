"""Task s42v, item 2: what postfix-mta-sts-resolver 1.5.1 (a real sender's MTA-STS client,
installed as the lab's oracle) does with an `_mta-sts` TXT of another version, beside the
engine's reading of the same records. Its TXT lookup is replaced by the records given, and its
policy fetch by a stand-in that only notes it was asked: no network at all.

It keeps the TXT records beginning with the bytes "v=STSv1", needs exactly one, and drops it
unless its v= is exactly 'STSv1' (resolver.py). So a lone 'v=STSv10; id=1' gets no policy,
as a lone 'v=STSv2; id=1' does (RFC 8461 §3.1: syntactically invalid, or not beginning with
"v=STSv1;"): the engine reads both as no MTA-STS record (MTASTS-01 info). Beside a valid
record it counts 'v=STSv10' as a second record and applies no policy, where RFC 8461 senders
apply the valid one: the engine's MTASTS-04 warn (s24e); 'v=STSv2' it does not count."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from postfix_mta_sts_resolver import resolver as oracle

from checks.findings import Status
from tests.test_engine_s32t_blind import Case, policy_file, policy_text, run_case, sts_site

DOMAIN = "s42v-oracle.example"


class _Txt:
    def __init__(self, records: list[str]) -> None:
        self.records = records

    async def query(self, name: str, rdtype: str) -> list[SimpleNamespace]:
        assert (name, rdtype) == (f"_mta-sts.{DOMAIN}", "TXT")
        return [SimpleNamespace(text=text) for text in self.records]


class _Fetched(Exception):
    pass


def _oracle(records: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    """NONE (no policy) or FETCHED (the record was taken: the policy would be fetched)."""
    asked: list[object] = []

    def no_fetch(*args: object, **kwargs: object) -> None:
        asked.append(args)
        raise _Fetched  # resolve() reads it as a failed fetch (FETCH_ERROR)

    monkeypatch.setattr(oracle.aiohttp, "ClientSession", no_fetch)

    async def run() -> str:
        sts = oracle.STSResolver(loop=asyncio.get_running_loop(), timeout=1)
        sts._resolver = _Txt(records)
        result, _ = await sts.resolve(DOMAIN)
        return "FETCHED" if asked else result.name

    return asyncio.run(run())


def _engine(records: list[str]) -> dict[str, list[Status]]:
    case = Case(
        "s42v-oracle",
        "mtasts",
        DOMAIN,
        sts_site(DOMAIN, records),
        files=policy_file(DOMAIN, policy_text(DOMAIN)),
    )
    found: dict[str, list[Status]] = {}
    for f in run_case(case):
        found.setdefault(f.id, []).append(f.status)
    return found


@pytest.mark.parametrize(
    "record", ["v=STSv10; id=20261201", "v=STSv1x; id=20261201", "v=STSv2; id=20261201"]
)
def test_s42v_a_lone_record_of_another_version_gets_no_policy_from_either(
    record: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _oracle([record], monkeypatch) == "NONE"
    found = _engine([record])
    assert found["MTASTS-01"] == [Status.INFO]
    assert "MTASTS-04" not in found


def test_s42v_the_oracle_takes_the_valid_record(monkeypatch: pytest.MonkeyPatch) -> None:
    # Control: the stand-in is reached for a record it keeps.
    assert _oracle(["v=STSv1; id=20261201"], monkeypatch) == "FETCHED"
    assert _engine(["v=STSv1; id=20261201"])["MTASTS-01"] == [Status.PASS]


@pytest.mark.parametrize(
    ("other", "oracle_reads"), [("v=STSv10; id=5", "NONE"), ("v=STSv2; id=5", "FETCHED")]
)
def test_s42v_beside_a_valid_record(
    other: str, oracle_reads: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = ["v=STSv1; id=20261201", other]
    assert _oracle(records, monkeypatch) == oracle_reads
    found = _engine(records)
    assert found["MTASTS-02"] == [Status.PASS]  # RFC 8461 senders apply the valid record
    # The engine warns where a sender such as this one applies no policy.
    assert found.get("MTASTS-04", []) == ([Status.WARN] if oracle_reads == "NONE" else [])
