"""A card of many "could not check" findings of one check (blind round s39c, in chromium).

A domain whose name server answers nothing showed, in its DKIM card, 23 findings "Could not look
up the DKIM selector '…' (TIMEOUT …); it was not checked", one per common selector tried, all
open: 23 of the page's 33 items, the rest of the page below them. Each selector's finding is
kept (the engine says so: a timeout must never read as absent), but beyond a few of one check
the card shows the first and folds the others, which its fold counts ("22 more findings: 22
could not check"). A couple of one check (two MX hosts timing out) stay open, each its own.
"""

from __future__ import annotations

import re
from typing import Any

from mailsec.freecheck.models import FreeCheck
from tests.test_freecheck_s32c_blind import ZoneDNS, harness_for, page_text
from tests.test_freecheck_s38c_blind import card_html


def open_and_folded(card: str) -> tuple[list[str], str]:
    """The ids of the findings shown open in a card, and its fold's summary ('' if none)."""
    head, _, fold = card.partition('<details class="fc-more"')
    shown = re.findall(r'<code class="fc-id">([^<]+)</code>', head)
    summary = re.search(r"<summary>(.*?)</summary>", fold)
    return shown, (summary.group(1).strip() if summary else "")


def test_many_could_not_checks_of_one_check_are_folded_after_the_first(
    settings: Any, db: None
) -> None:
    with harness_for(settings, ZoneDNS({}, drop=frozenset({"*"})), timeout=0.3) as h:
        assert h.post("dead.example.net").status_code == 302
        run = FreeCheck.objects.get()
        page = page_text(h.client.get(run.get_absolute_url()))
    dkim = [f for f in run.report["findings"] if f["id"] == "DKIM-01"]
    assert len(dkim) > 5 and {f["status"] for f in dkim} == {"error"}, len(dkim)
    shown, summary = open_and_folded(card_html(page, "dkim"))
    assert shown == ["DKIM-01"], shown
    assert summary == f"{len(dkim) - 1} more findings: {len(dkim) - 1} could not check", summary
    # Every one is still on the page, with its selector.
    for finding in dkim:
        assert finding["subject"] in card_html(page, "dkim"), finding["subject"]


def test_a_couple_of_could_not_checks_of_one_check_stay_open(settings: Any, db: None) -> None:
    """Two MX hosts whose addresses do not answer: the MX card's findings for each stay open."""
    records = {
        ("two.example.net", "MX"): ["10 mx1.two.example.net.", "20 mx2.two.example.net."],
        ("two.example.net", "TXT"): ['"v=spf1 mx -all"'],
    }
    drop = frozenset({("mx1.two.example.net", "*"), ("mx2.two.example.net", "*")})
    with harness_for(settings, ZoneDNS(records, drop=drop), timeout=0.3) as h:
        assert h.post("two.example.net").status_code == 302
        run = FreeCheck.objects.get()
        page = page_text(h.client.get(run.get_absolute_url()))
    errors = [
        f for f in run.report["findings"] if f["mechanism"] == "mx" and f["status"] == "error"
    ]
    ids = {f["id"] for f in errors}
    assert ids and all(sum(f["id"] == i for f in errors) == 2 for i in ids), [
        (f["id"], f["subject"]) for f in errors
    ]
    shown, _ = open_and_folded(card_html(page, "mx"))
    for check_id in ids:
        assert shown.count(check_id) == 2, (check_id, shown)
