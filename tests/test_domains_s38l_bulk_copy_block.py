"""Task s38l, item 2 (from s38f's MSP walk): the bulk add's block of records to copy at once
(#bulk-records, "Copy all records") gave a `_mailsec-challenge` record for every name added,
those the DNS answered NXDOMAIN for too (kept since 3ca294d8 in Domain.verify_error). Nobody
can publish a record under a name that does not exist (the zone is not theirs, or the name is
a typo), so a block pasted into a zone import carried records that cannot be. Now the block
holds the names that exist and those that could not be looked up, and the names not in the
DNS are listed apart beside it, to check their spelling.

The lookup is the product's own (mailsec.domains.existence) against the lab's real DNS
(signed zones, a validating resolver), and against a real socket that never answers."""

from __future__ import annotations

import html
import re
import socket
import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client

from mailsec.accounts.models import Profile, Team
from mailsec.domains import existence
from mailsec.domains.models import Domain

REAL = ["f01.lab.test", "f02.lab.test"]  # lab zones: they exist
TYPOS = ["f01-typo.lab.test", "clinet-typo.lab.test"]  # NXDOMAIN in the lab's lab.test zone
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SILENT_HOST = "127.0.227.53"  # s38l's loopback range: 127.0.227.x (127.0.226.x is s38m's lab zones)


def block(page: str) -> str:
    """The text of the block of records to copy at once ("" when the page has none)."""
    found = re.search(r'<pre class="record" id="bulk-records"[^>]*>(.*?)</pre>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def apart(page: str) -> str:
    """The words of the list of names not in the DNS, beside the block."""
    found = re.search(r'<p id="bulk-not-in-dns"[^>]*>(.*?)</p>', page, re.S)
    if not found:
        return ""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))).strip()


def signed_in(settings: Any) -> Client:
    settings.CACHES = LOCMEM  # rate limits: this test's own
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


def record(name: str) -> str:
    domain = Domain.objects.get(name=name)
    return f'{domain.challenge_name}. 3600 IN TXT "{domain.challenge_value}"'


@pytest.fixture
def lab_dns(lab: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(existence, "LOOKUP_SECONDS", 3.0)  # off in tests unless asked for


@pytest.mark.lab
@pytest.mark.django_db(transaction=True)
def test_the_block_leaves_out_the_names_not_in_the_dns_and_lists_them_apart(
    lab_dns: None, settings: Any
) -> None:
    page = bulk_add(signed_in(settings), REAL[0], TYPOS[0], REAL[1], TYPOS[1])
    lines = block(page).splitlines()
    assert lines == [record(REAL[0]), record(REAL[1])], lines
    said = apart(page)
    assert "not in the dns" in said.lower(), said
    assert "check the spelling" in said, said
    for name in TYPOS:
        assert name in said, said
    for name in REAL:
        assert name not in said, said
    # Their rows still say it, and each still has its record (the name may be set up later).
    for name in TYPOS:
        assert f"{name} does not exist in the DNS (NXDOMAIN)" in page
        assert f"{Domain.objects.get(name=name).challenge_name}</code>" in page


@pytest.mark.lab
@pytest.mark.django_db(transaction=True)
def test_no_block_when_no_name_added_exists(lab_dns: None, settings: Any) -> None:
    page = bulk_add(signed_in(settings), *TYPOS)
    assert block(page) == ""
    assert "Copy all records" not in page
    said = apart(page)
    for name in TYPOS:
        assert name in said, said


@pytest.fixture
def silent_resolver(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A resolver that reads every query and answers none: every name 'could not be looked up'."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((SILENT_HOST, 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set():
            try:
                sock.recvfrom(4096)
            except OSError:
                continue

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    monkeypatch.setenv("MAILSEC_RESOLVER", f"{SILENT_HOST}:{sock.getsockname()[1]}")
    monkeypatch.setattr(existence, "LOOKUP_SECONDS", 1.0)
    yield
    stop.set()
    # Wake the thread now, not at its recvfrom's next 0.2 s timeout: it then sees `stop`.
    sock.sendto(b"", sock.getsockname())
    thread.join()
    sock.close()


@pytest.mark.django_db(transaction=True)
def test_names_that_could_not_be_looked_up_stay_in_the_block(
    silent_resolver: None, settings: Any
) -> None:
    names = ["client-one.example.com", "client-two.example.com"]
    page = bulk_add(signed_in(settings), *names)
    assert "could not be looked up" in page
    assert block(page).splitlines() == [record(n) for n in names]
    assert apart(page) == ""
