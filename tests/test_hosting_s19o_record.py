"""Round s19o: before hosting is on, the hosting page's records panel called the owner's own,
valid `_mta-sts` record stale, "the policy's id is : " with the id blank (there is no id of ours
yet). It now says the record is theirs, for the policy they serve, to keep until hosting is on;
once hosting is on, a record naming another id is stale as before."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from mailsec.hosting import lookups
from tests.test_hosting import HostingCase


class OwnRecordTestCase(HostingCase):
    def test_the_owners_own_record_is_not_called_stale_before_hosting(self) -> None:
        class Answer:
            failed = False
            cnames: list[str] = []

            def raw_texts(self) -> list[bytes]:
                return [b"v=STSv1; id=20260601T0000;"]

        async def txt(name: str) -> Answer:
            return Answer()

        dns = SimpleNamespace(txt=txt)
        found = asyncio.run(lookups.sts_record(dns, "example.org", "", ""))  # type: ignore[arg-type]
        assert found.state == "own" and found.found_id == "20260601T0000"
        assert "the policy's id is" not in found.detail
        assert "your own MTA-STS record (id=20260601T0000)" in found.detail
        # Once hosting is on, the same record names another id than ours: stale, as before.
        stale = asyncio.run(lookups.sts_record(dns, "example.org", "2026120112000011", ""))  # type: ignore[arg-type]
        assert stale.state == "stale" and "the policy's id is 2026120112000011" in stale.detail
