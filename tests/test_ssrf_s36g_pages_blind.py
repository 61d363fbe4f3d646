"""Blind round s36g, second batch: what people type and what senders post, in the spellings of
round 2 (tests/test_ssrf_s36g_blind.py covers the probes).

The standard as there: a target that is an address, however written, is refused with plain
words before anything is queued or connected; a name is accepted and the guard acts at connect
time. Report ingestion fetches nothing: a TLS-RPT report naming private addresses, loopback MX
hosts and a metadata URL is stored and parsed without one socket connecting.

Rows, written before the product ran on them:
- the free check, its API and "add domain" with IPv6 forms carrying private IPv4
  (64:ff9b::7f00:1, [::ffff:7f00:1], ::127.0.0.1), an IPv4 address in full-width digits and
  ideographic full stops (UTS #46 maps them to 127.0.0.1), the decimal form in full-width
  digits, userinfo before a zone-id literal with a port, 192.88.99.1, a trailing-dot address;
- Caddy's certificate gate (hosting/ask) with those spellings after 'mta-sts.';
- a hostile report posted to /tlsrpt/<token> and parsed on the spot.

Three rows were planted wrong on purpose (committed in 197d1515 before any run): the free
check accepting '2001:db8::1' (302), add domain accepting the full-width address (302), the
gate answering 200 for 'mta-sts.127.0.0.1.'.

First run: 8 of 31 failed: the three planted rows, each as planted (set right), and five rows
of one product fault, fixed with tests/test_ssrf_s36g.py (item 5): an address typed in
full-width digits was refused, but as 'not a valid domain name' (１２７。０。０。１: free check,
API) or as a single label, 'a computer's name on a local network' (２１３０７０６４３３: free
check, API, add domain), where UTS #46 and browsers read 127.0.0.1; now 'is an IP address
(127.0.0.1, as a browser reads it)'. Nothing was queued for any of them, the gate refused
every spelling without a connection, and the hostile report was stored and parsed with no
socket opened.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from tests.test_ssrf_s34g_blind import watched

DELAY = "mailsec.freecheck.views.run_free_check.delay"
FULLWIDTH_127 = "\uff11\uff12\uff17\u3002\uff10\u3002\uff10\u3002\uff11"
FULLWIDTH_DECIMAL = "\uff12\uff11\uff13\uff10\uff17\uff10\uff16\uff14\uff13\uff13"

# (typed, HTTP status, words the page must say). 400 rows create no run.
FREE_CHECK_ROWS: list[tuple[str, int, tuple[str, ...]]] = [
    ("64:ff9b::7f00:1", 400, ("IP address",)),
    ("[::ffff:7f00:1]", 400, ("IP address",)),
    ("::127.0.0.1", 400, ("IP address",)),
    (FULLWIDTH_127, 400, ("IP address",)),
    (FULLWIDTH_DECIMAL, 400, ("IP address",)),
    ("https://evil@[fe80::1%25eth0]:443/", 400, ("IP address",)),
    ("192.88.99.1", 400, ("IP address",)),
    ("127.0.0.1.", 400, ("IP address",)),
    # Planted wrong in 197d1515 (302): an IPv6 address is no domain.
    ("2001:db8::1", 400, ("IP address",)),
    # Control: a name with its trailing dot is accepted.
    ("s36g-victim.org.", 302, ()),
]


@pytest.mark.django_db
class TestFreeCheck:
    @pytest.fixture(autouse=True)
    def _fresh_limits(self) -> Iterator[None]:
        from mailsec.freecheck import ratelimit

        with mock.patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}"):
            yield

    @pytest.mark.parametrize(("typed", "status", "words"), FREE_CHECK_ROWS)
    def test_free_check(self, client: Any, typed: str, status: int, words: tuple[str, ...]) -> None:
        from mailsec.freecheck.models import FreeCheck

        with mock.patch(DELAY) as delay:
            r = client.post("/check", {"domain": typed}, HTTP_X_FORWARDED_FOR="198.51.100.61")
        assert r.status_code == status, r.content[:2000]
        page = r.content.decode()
        for word in words:
            assert word in page, word
        if status == 400:
            delay.assert_not_called()
            assert not FreeCheck.objects.exists()

    @pytest.mark.parametrize("typed", [t for t, s, _ in FREE_CHECK_ROWS if s == 400])
    def test_the_api_refuses_with_json(self, client: Any, typed: str) -> None:
        with mock.patch(DELAY) as delay:
            r = client.get("/api/v1/check", {"domain": typed}, HTTP_X_FORWARDED_FOR="198.51.100.62")
        assert r.status_code == 400, r.content[:500]
        assert r["Content-Type"].startswith("application/json")
        assert "IP address" in r.json().get("error", "")
        delay.assert_not_called()


ADD_ROWS: list[tuple[str, int, tuple[str, ...]]] = [
    ("64:ff9b::7f00:1", 400, ("IP address",)),
    ("[::ffff:7f00:1]", 400, ("IP address",)),
    (FULLWIDTH_DECIMAL, 400, ("IP address",)),
    ("192.88.99.1", 400, ("IP address",)),
    # Planted wrong in 197d1515 (302): the full-width form is 127.0.0.1.
    (FULLWIDTH_127, 400, ("IP address",)),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "status", "words"), ADD_ROWS)
def test_add_domain(client: Any, typed: str, status: int, words: tuple[str, ...]) -> None:
    from django.contrib.auth.models import User

    from mailsec.accounts.models import Profile, Team
    from mailsec.domains.models import Domain

    user = User.objects.create_user("s36g", "s36g@example.org")
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    client.force_login(user)
    with mock.patch.dict(os.environ, {"MAILSEC_ALLOW_PRIVATE_TARGETS": ""}):
        r = client.post("/domains/add/", {"name": typed})
    assert r.status_code == status, r.status_code
    page = r.content.decode()
    for word in words:
        assert word in page, word
    if status == 400:
        assert not Domain.objects.exists()


ASK_ROWS: list[tuple[str, int]] = [
    (f"mta-sts.{FULLWIDTH_127}", 403),
    ("mta-sts.[::1]", 403),
    ("mta-sts.64:ff9b::7f00:1", 403),
    ("mta-sts.%31%32%37.0.0.1", 403),
    ("mta-sts.192.88.99.1", 403),
    ("mta-sts.2130706433.", 403),
    # Planted wrong in 197d1515 (200): an address is never a hosted domain.
    ("mta-sts.127.0.0.1.", 403),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("asked", "status"), ASK_ROWS)
def test_the_certificate_gate(client: Any, asked: str, status: int) -> None:
    with watched() as (connected, sockets):
        r = client.get("/hosting/ask", {"domain": asked}, REMOTE_ADDR="127.0.0.1")
    assert r.status_code == status
    assert connected == [] and sockets == []


def _hostile_report() -> bytes:
    report = json.loads(
        (Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_text("utf-8")
    )
    report["report-id"] = "s36g-hostile"
    report["contact-info"] = "https://169.254.169.254/latest/meta-data/"
    sts = report["policies"][0]
    sts["policy"]["policy-string"] = ["version: STSv1", "mode: enforce", "mx: 127.0.0.1"]
    sts["policy"]["mx-host"] = ["127.0.0.1", "[::1]"]
    for detail in sts["failure-details"]:
        detail["receiving-mx-hostname"] = "metadata.google.internal"
        detail["receiving-ip"] = "::ffff:169.254.169.254"
        detail["sending-mta-ip"] = "10.0.0.1"
        detail["additional-information"] = "https://[64:ff9b::a9fe:a9fe]/latest/meta-data/"
    return json.dumps(report).encode()


@pytest.mark.django_db
def test_a_hostile_report_is_stored_and_parsed_without_a_connection(
    client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from mailsec.celery import app
    from reports.models import RawReport, ReportAddress

    address = ReportAddress.objects.create(domain_name="example.com")
    app.conf.task_always_eager = True
    try:
        with watched() as (connected, sockets), django_capture_on_commit_callbacks(execute=True):
            r = client.post(
                f"/tlsrpt/{address.token}",
                data=_hostile_report(),
                content_type="application/tlsrpt+json",
            )
    finally:
        app.conf.task_always_eager = False
    assert r.status_code == 201, r.content[:500]
    assert connected == [] and sockets == []
    raw = RawReport.objects.get(public_id=r.json()["id"])
    assert raw.parse_status == RawReport.PARSED, raw.error
