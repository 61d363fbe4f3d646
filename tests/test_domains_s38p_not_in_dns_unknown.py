"""Review s38p of 3ca294d8 (s38f): a note "does not exist in the DNS" stays until a lookup
finds the name, as docs/webapp.md says ("the note goes once the name exists"). A person's
Verify whose own lookup of the name told nothing (existence.look_up's unknown: no answer in
time, or a resolver that says NXDOMAIN of every name, the self-check's zone too) dropped it and
said "No TXT record found at _mailsec-challenge.<name> yet", a record no zone can hold, while
Verify all, reading the same lookup, kept it. Against the lab's real DNS, through the views."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.test import Client

from mailsec.domains.models import Domain
from tests.test_domains_s38f_not_in_dns import NOT_IN_DNS, TYPO, bulk_add, msp, words

__all__ = ["msp"]  # the fixture, used by name

pytestmark = [pytest.mark.lab]


@pytest.mark.django_db(transaction=True)
def test_a_verify_whose_lookup_tells_nothing_keeps_the_note(msp: Client, settings: Any) -> None:
    bulk_add(msp, TYPO)
    typo = Domain.objects.get(name=TYPO)
    assert typo.verify_error.startswith(NOT_IN_DNS)
    # The resolver now says NXDOMAIN of the self-check's signed zone too: its NXDOMAIN for the
    # name says nothing (existence.look_up: unknown), neither that it exists nor that it does not.
    settings.MAILSEC_VANTAGE = dataclasses.replace(
        settings.MAILSEC_VANTAGE, signed_name="s38p-no-such-zone.lab.test"
    )
    page = words(msp.post(f"/domains/{typo.code}/verify/", follow=True).content.decode())
    assert Domain.objects.get(pk=typo.pk).verify_error.startswith(NOT_IN_DNS)
    assert "does not exist in the DNS (NXDOMAIN)" in page, page
    assert f"No TXT record found at _mailsec-challenge.{TYPO}" not in page
    # Verify all reads the same lookup the same way.
    msp.post("/domains/verify-all/")
    assert Domain.objects.get(pk=typo.pk).verify_error.startswith(NOT_IN_DNS)
