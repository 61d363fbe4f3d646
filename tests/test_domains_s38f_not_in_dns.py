"""Task s38f, found on an MSP's walk: a name that does not exist in the DNS (NXDOMAIN), most
often a typo among forty pasted, was told once, on the bulk add's answer, "check the spelling
on their rows below". Then the list showed it as every other domain not verified ("Checks
start once its TXT record is published and verified."), Verify all said "No TXT record found
at _mailsec-challenge.<name> yet." (a record nobody can publish in a zone that does not exist),
and so did the domain's own Verify: the typo hid among thirty names waiting for records.

Now what the add found is kept (Domain.verify_error) and the list row, Verify all, Verify, the
domain's page and the CSV export say the name does not exist in the DNS; a later lookup that
finds it exists says so no longer. Against the lab's real DNS (signed zones, a validating
resolver), through the web app's views."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client

from mailsec.accounts.models import Profile, Team
from mailsec.domains import existence
from mailsec.domains.models import Domain
from mailsec.domains.tasks import verify_pending

pytestmark = [pytest.mark.lab]

REAL = "f01.lab.test"  # a lab zone: it exists
TYPO = "f01-typo.lab.test"  # NXDOMAIN in the lab's signed lab.test zone
# How a kept note begins (mailsec.domains.models.NOT_IN_DNS), as a stale one is written below.
NOT_IN_DNS = "The domain does not exist in the DNS (NXDOMAIN)"
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def words(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def row_of(page: str, name: str) -> str:
    """The words of the list's row of `name`."""
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    found = [words(r) for r in rows if f">{name}</a>" in r]
    assert len(found) == 1, (name, found)
    return found[0]


@pytest.fixture
def msp(lab: Any, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Client:
    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(existence, "LOOKUP_SECONDS", 3.0)  # off in tests unless asked for
    settings.CACHES = LOCMEM  # rate limits of Verify and Verify all: this test's own
    caches["default"].clear()
    user = User.objects.create_user("msp", "msp@example.org")
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    client = Client()
    client.force_login(user)
    return client


def bulk_add(client: Client, *names: str) -> str:
    answer = client.post("/domains/add-many/", {"names": "\n".join(names)})
    assert answer.status_code == 200
    return answer.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_list_keeps_saying_what_the_bulk_add_found(msp: Client) -> None:
    added = words(bulk_add(msp, REAL, TYPO))
    assert f"{TYPO} does not exist in the DNS" in added
    page = msp.get("/domains/").content.decode()
    typo, real = row_of(page, TYPO), row_of(page, REAL)
    assert "does not exist in the DNS" in typo, typo
    assert "check the spelling" in typo, typo
    assert "Checks start once its TXT record is published" not in typo
    assert "does not exist" not in real, real
    assert "Checks start once its TXT record is published and verified." in real
    # The domain's own page says it too, where it asks for the record.
    typo_page = words(msp.get(f"/domains/{Domain.objects.get(name=TYPO).code}/").content.decode())
    assert "does not exist in the DNS" in typo_page
    # And the export, an MSP's worksheet: does_not_exist is yes for it, blank for the other.
    export = b"".join(msp.get("/domains/export.csv").streaming_content).decode("utf-8-sig")
    rows = {r["domain"]: r for r in csv.DictReader(io.StringIO(export))}
    assert rows[TYPO]["does_not_exist"] == "yes"
    assert rows[REAL]["does_not_exist"] == ""


@pytest.mark.django_db(transaction=True)
def test_verify_all_and_verify_say_the_name_does_not_exist(msp: Client) -> None:
    bulk_add(msp, REAL, TYPO)
    Domain.objects.update(verify_error="")  # as before this task: the add kept nothing
    answer = words(msp.post("/domains/verify-all/").content.decode())
    typo_why = re.search(rf"{re.escape(TYPO)} Not verified (.*?)(?= \S+\.lab\.test |$)", answer)
    assert typo_why, answer
    assert "does not exist in the DNS (NXDOMAIN)" in typo_why.group(1), typo_why.group(1)
    assert f"No TXT record found at _mailsec-challenge.{TYPO}" not in answer
    assert f"No TXT record found at _mailsec-challenge.{REAL} yet." in answer
    assert Domain.objects.get(name=TYPO).verify_error.startswith(NOT_IN_DNS)
    assert Domain.objects.get(name=REAL).verify_error.startswith("No TXT record found")

    # The domain's own Verify (a person pressing it) says the same.
    typo = Domain.objects.get(name=TYPO)
    Domain.objects.filter(pk=typo.pk).update(verify_error="")
    page = words(msp.post(f"/domains/{typo.code}/verify/", follow=True).content.decode())
    assert "does not exist in the DNS (NXDOMAIN)" in page
    assert Domain.objects.get(pk=typo.pk).verify_error.startswith(NOT_IN_DNS)


@pytest.mark.django_db(transaction=True)
def test_the_background_keeps_the_note_and_a_lookup_that_finds_the_name_drops_it(
    msp: Client,
) -> None:
    bulk_add(msp, REAL, TYPO)
    # The background verification looks for the record only: what a person was told stays.
    verify_pending()
    assert Domain.objects.get(name=TYPO).verify_error.startswith(NOT_IN_DNS)
    assert Domain.objects.get(name=REAL).verify_error.startswith("No TXT record found")
    # A note left on a name that exists after all (its zone was set up since): the next
    # press of Verify all looks it up, and the note goes.
    Domain.objects.filter(name=REAL).update(verify_error=f"{NOT_IN_DNS}: check the spelling.")
    page = msp.get("/domains/").content.decode()
    assert "does not exist in the DNS" in row_of(page, REAL)
    msp.post("/domains/verify-all/")
    assert Domain.objects.get(name=REAL).verify_error.startswith("No TXT record found")
    assert "does not exist" not in row_of(msp.get("/domains/").content.decode(), REAL)
