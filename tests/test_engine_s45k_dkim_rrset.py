"""DKIM-02 and DMARC-18 for a selector holding several TXT records when a key record's only
fault is v=DKIM1 after other tags (task s45k, after s45f's aeea59fa), each test written first
and seen failing on the code before its mend.

What verifiers do with several TXT records at a selector (read in their code): OpenDKIM's
dkim_get_key_dns refuses an answer with a second TXT record ("multiple DNS replies"); dkimpy
reads the first record the resolver returns; rspamd the first that holds p=; RFC 6376
§3.6.2.2 leaves the result undefined. With v=DKIM1 after other tags OpenDKIM, dkimpy and
rspamd use a lone key (s45f), so for such a record the RRset matters (DKIM-02 applies); a
v= other than DKIM1 is discarded by OpenDKIM and dkimpy whatever stands beside it, and rspamd
skips TXT records without p=, so there it does not.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import dkim, dmarc
from checks.findings import Finding
from tests.blind_engine import run_engine
from tests.test_engine_s27k_blind import rsa_key

D = "hallam-saddlery.co.uk"
NAME = f"mail._domainkey.{D}"
KEY = rsa_key(2048)
OTHER_KEY = rsa_key(3072)
TOKEN = "google-site-verification=Qb7xkz3Vd0"


def _run(records: list[str]) -> tuple[list[Finding], Finding]:
    zone: dict[Any, Any] = {
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=quarantine"],
        (NAME, "TXT"): records,
    }
    findings = run_engine(dkim, D, zone, dkim_selectors=["mail"]).findings
    (dmarc18,) = [
        f
        for f in run_engine(dmarc, D, zone, dkim_selectors=["mail"]).findings
        if f.id == "DMARC-18"
    ]
    return findings, dmarc18


def _flat(text: str) -> str:
    return " ".join(text.split())


def _ids(findings: list[Finding], check_id: str) -> list[Finding]:
    return [f for f in findings if f.id == check_id]


def test_v_not_first_beside_another_txt_record_fails_dkim02() -> None:
    findings, dmarc18 = _run([f"k=rsa; v=DKIM1; p={KEY}", TOKEN])
    (dkim02,) = _ids(findings, "DKIM-02")
    assert str(dkim02.status) == "fail"
    assert "1 other TXT record" in dkim02.summary and TOKEN[:20] in dkim02.summary
    assert f'Delete this record: {NAME}. TXT "{TOKEN}"' in dkim02.fix, dkim02.fix
    (dkim04,) = _ids(findings, "DKIM-04")
    assert "Move v=DKIM1 to the front" in dkim04.summary
    # DMARC-18: several records at the selector, so by chance (s44b), and the kept record
    # still wants v=DKIM1 first.
    assert dmarc18.evidence["dkim_ambiguous"] == [NAME]
    assert "only by chance" in _flat(dmarc18.summary)
    assert "move v=DKIM1 to the front of the key record at " + NAME in _flat(dmarc18.fix)


def test_v_not_first_key_split_over_two_records_is_named_and_joined() -> None:
    findings, _ = _run([f"k=rsa; v=DKIM1; p={KEY[:180]}", KEY[180:]])
    (dkim02,) = _ids(findings, "DKIM-02")
    assert "the key is split over 2 TXT records" in dkim02.summary, dkim02.summary
    # The one record offered is the key joined, v=DKIM1 first.
    assert "v=DKIM1; k=rsa; p=" in dkim02.fix and "".join(dkim02.fix.split('" "')).count(
        KEY[170:200]
    ), dkim02.fix
    (dkim04,) = _ids(findings, "DKIM-04")
    assert "The fix is DKIM-02's" in dkim04.fix and "v=DKIM1 first" in dkim04.fix, dkim04.fix
    (dkim06,) = _ids(findings, "DKIM-06")
    assert "holds only the start of the key" in dkim06.summary, dkim06.summary


def test_another_version_beside_another_txt_record_is_unusable_not_by_chance() -> None:
    # v=DKIM2: discarded by every verifier that reads v=, whatever stands beside it: no
    # DKIM-02 (as before), and DMARC-18 names the record as DKIM-04's, not as "by chance".
    findings, dmarc18 = _run([f"v=DKIM2; k=rsa; p={KEY}", TOKEN])
    assert not _ids(findings, "DKIM-02")
    assert str(_ids(findings, "DKIM-04")[0].status) == "fail"
    assert dmarc18.evidence["dkim_unusable"] == [NAME]
    assert "dkim_ambiguous" not in dmarc18.evidence
    assert "DKIM-04" in dmarc18.summary and "by chance" not in dmarc18.summary


def test_one_key_twice_with_v_not_first_is_not_by_chance() -> None:
    # The same key and tags in two records (spacing differs): whichever record dkimpy or
    # rspamd reads, it is that key; OpenDKIM refuses the answer, a strict verifier discards
    # each. DMARC-18 names them with the v-not-first records, not "only by chance".
    findings, dmarc18 = _run([f"k=rsa; v=DKIM1; p={KEY}", f"k=rsa;v=DKIM1;p={KEY}"])
    (dkim02,) = _ids(findings, "DKIM-02")
    fix = dkim02.fix
    assert "hold the same key, each with v=DKIM1 after other tags" in _flat(fix), fix
    assert fix.count("Delete this record") == 2 and "Then publish:" in fix, fix
    assert f'{NAME}. TXT "v=DKIM1; k=rsa; p=' in fix, fix
    assert "Published now" not in fix
    summary = _flat(dmarc18.summary)
    assert str(dmarc18.status) == "warn"
    assert "by chance" not in summary, summary
    assert "OpenDKIM refuses a selector answering several TXT records" in summary, summary
    assert "dkimpy and rspamd use that key" in summary, summary
    assert "fails DMARC at receivers whose verifier discards or refuses those records" in summary
    assert dmarc18.evidence["dkim_v_not_first"] == [NAME]
    assert "dkim_ambiguous" not in dmarc18.evidence
    assert f"keep one record at {NAME}, with v=DKIM1 moved to its front" in _flat(dmarc18.fix)


@pytest.mark.parametrize(
    "records",
    [
        [f"k=rsa; v=DKIM1; p={KEY}", f"k=rsa; v=DKIM1; p={OTHER_KEY}"],  # two keys
        [f"k=rsa; v=DKIM1; p={KEY}", f"v=DKIM1; k=rsa; p={KEY}"],  # one with v= first
    ],
    ids=["two-keys", "one-with-v-first"],
)
def test_records_that_differ_stay_by_chance(records: list[str]) -> None:
    # Controls: which key, or whether a strict verifier reads the usable copy, depends on
    # the record a receiver gets first.
    _, dmarc18 = _run(records)
    assert dmarc18.evidence["dkim_ambiguous"] == [NAME]
    assert "only by chance" in _flat(dmarc18.summary)
    assert "dkim_v_not_first" not in dmarc18.evidence


def test_a_usable_key_beside_another_key_with_v_not_first_keeps_both_in_question() -> None:
    # Most verifiers use the second key (s45f), and it may be the one that signs: DKIM-02's
    # fix does not delete it as a record "receivers could not use anyway".
    findings, _ = _run([f"v=DKIM1; k=rsa; p={KEY}", f"k=rsa; v=DKIM1; p={OTHER_KEY}"])
    (dkim02,) = _ids(findings, "DKIM-02")
    fix = _flat(dkim02.fix)
    assert "Delete this record" not in fix, fix
    assert "Keep the one record at " + NAME in fix, fix
    assert "1) a 2048-bit RSA key" in fix and "2) a 3072-bit RSA key" in fix, fix
    assert "with v=DKIM1 after other tags" in fix and "move v=DKIM1 to its front" in fix, fix


@pytest.mark.parametrize(
    "head",
    ["v=DKIM1; k=rsa; p=", "k=rsa; v=DKIM1; p="],
    ids=["v-first", "v-not-first"],
)
def test_dmarc18_for_a_key_split_over_two_records(head: str) -> None:
    # Neither record holds a whole key: no verifier reads one that verifies (OpenDKIM refuses
    # the answer, dkimpy and rspamd read a piece), so not "by chance", and "keep only one
    # record: the key record" would leave half a key. DKIM-02's fix joins them.
    _, dmarc18 = _run([f"{head}{KEY[:180]}", KEY[180:]])
    summary, fix = _flat(dmarc18.summary), _flat(dmarc18.fix)
    assert "by chance" not in summary and "some of the time" not in summary, summary
    assert "the DKIM key at selector 'mail' is split over 2 TXT records (DKIM-02)" in summary
    assert "no mail from it can pass DMARC" in summary, summary
    assert "keep only one record" not in fix, fix
    assert f"replace the 2 TXT records at {NAME} with the one record DKIM-02 gives" in fix, fix
    assert dmarc18.evidence["dkim_split"] == [NAME]
    assert "dkim_ambiguous" not in dmarc18.evidence
