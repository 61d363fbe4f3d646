"""Task s38q, item 2, after 3ca294d8 (s38f): a domain added while its name was not in the DNS
keeps the note "does not exist in the DNS (NXDOMAIN)" (Domain.verify_error). Verify and Verify
all look the name up again; the background verification (verify_pending) did not, so once the
owner had created the name the note stayed on the list, the page and the export until someone
pressed Verify.

Now verify_pending looks the name up again for the domains carrying the note whose challenge
lookup answers NXDOMAIN: all of them in one existence.look_up per run (LOOKUP_SECONDS in all,
however many), and no other name (a name that exists, waiting for its record, costs no extra
lookup). Against the lab's real DNS (signed zones, a validating resolver), as the s38f tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from django.test import Client

from mailsec.domains import existence
from mailsec.domains.models import Domain
from mailsec.domains.tasks import verify_pending
from tests.test_domains_s38f_not_in_dns import NOT_IN_DNS, REAL, TYPO, bulk_add, msp, row_of

__all__ = ["msp"]  # the fixture, used by name

pytestmark = [pytest.mark.lab]

OTHER_TYPOS = [f"f01-typo{i}.lab.test" for i in range(3)]  # NXDOMAIN in lab.test too


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The names of each existence.look_up call, the real lookup made all the same."""
    calls: list[list[str]] = []
    real = existence.look_up

    def recorded(names: Sequence[str], *args: Any, **kwargs: Any) -> existence.Lookup:
        calls.append(sorted(names))
        return real(names, *args, **kwargs)

    monkeypatch.setattr(existence, "look_up", recorded)
    return calls


@pytest.mark.django_db(transaction=True)
def test_the_background_drops_the_note_once_the_name_exists(
    msp: Client, asked: list[list[str]]
) -> None:
    bulk_add(msp, REAL, TYPO)
    # A note left on a name that exists now (its zone was set up since the add).
    Domain.objects.filter(name=REAL).update(verify_error=f"{NOT_IN_DNS}: check the spelling.")
    assert "does not exist in the DNS" in row_of(msp.get("/domains/").content.decode(), REAL)
    asked.clear()
    verify_pending()
    assert Domain.objects.get(name=REAL).verify_error.startswith("No TXT record found"), (
        Domain.objects.get(name=REAL).verify_error
    )
    assert "does not exist" not in row_of(msp.get("/domains/").content.decode(), REAL)
    # The typo is still not in the DNS: its note stays, from this lookup.
    assert Domain.objects.get(name=TYPO).verify_error.startswith(NOT_IN_DNS)
    assert asked == [sorted([REAL, TYPO])], asked


@pytest.mark.django_db(transaction=True)
def test_the_background_looks_up_noted_names_only_and_all_together(
    msp: Client, asked: list[list[str]]
) -> None:
    bulk_add(msp, REAL, TYPO, *OTHER_TYPOS)
    noted = sorted([TYPO, *OTHER_TYPOS])
    assert sorted(d.name for d in Domain.objects.all() if d.not_in_dns) == noted
    asked.clear()
    verify_pending()
    # One lookup for the four noted names; REAL, which exists and waits for its record,
    # costs none (its challenge name answers NXDOMAIN too).
    assert asked == [noted], asked
    for name in noted:
        assert Domain.objects.get(name=name).verify_error.startswith(NOT_IN_DNS)
    assert Domain.objects.get(name=REAL).verify_error.startswith("No TXT record found")
    # Each one tried is stamped, the noted ones too: the next run goes round to others first.
    assert Domain.objects.filter(verify_checked_at=None).count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_background_lookup_that_tells_nothing_keeps_the_note(
    msp: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk_add(msp, REAL)
    Domain.objects.filter(name=REAL).update(verify_error=f"{NOT_IN_DNS}: check the spelling.")
    # The lookup off (LOOKUP_SECONDS 0): it tells nothing, which is not "it exists".
    monkeypatch.setattr(existence, "LOOKUP_SECONDS", 0)
    verify_pending()
    assert Domain.objects.get(name=REAL).verify_error.startswith(NOT_IN_DNS)
