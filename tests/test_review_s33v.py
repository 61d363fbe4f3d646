"""Review s33v of the session's product changes: each defect found, written failing before its fix."""

from __future__ import annotations

from mailsec.domains.fixparts import fix_parts, records_to_publish

# --------------------------------------- 24a66fe: "Copy all records" and a policy not served

DOMAIN = "kendal-mint.com"
STS_RECORD = f'_mta-sts.{DOMAIN}. TXT "v=STSv1; id=20261203T153448"'
# As the engine writes them for a record with a bad id ("id=2026-06-01") and no policy served
# (HTTP 404), both within one second (checks.mtasts.fresh_id): MTASTS-05 offers the repaired
# record alone, MTASTS-10 the file first and the same record once that file is served.
MTASTS_05 = STS_RECORD
MTASTS_10 = (
    f"1. Serve this file at https://mta-sts.{DOMAIN}/.well-known/mta-sts.txt with HTTP 200, "
    "as text/plain, without redirect (mode testing until TLS reports are clean):\n"
    f"version: STSv1\nmode: testing\nmx: mx1.{DOMAIN}\nmax_age: 604800\n"
    "2. Then, once that file is served, change the id in the record, so senders drop the "
    f"policy they cached:\n{STS_RECORD}"
)


def test_a_record_one_fix_holds_back_for_its_policy_file_is_not_copied_from_another() -> None:
    # The clipboard got the MTA-STS record while the card listed that same record as left out
    # to "publish it once its policy file is served": pasted, it announces a policy nobody
    # serves (RFC 8461 §3.1, §8.1: the file first, then the record).
    for fixes in ([MTASTS_05, MTASTS_10], [MTASTS_10, MTASTS_05]):
        found = records_to_publish(fixes, DOMAIN)
        assert found.lines == [], fixes
        assert found.left_out == [
            (f"_mta-sts.{DOMAIN} (TXT)", "publish it once its policy file is served")
        ]


def test_a_record_whose_other_fix_has_steps_waits_for_those_steps() -> None:
    # The same record offered alone by one finding and after a step by another: copied on
    # its own, the step the other fix puts first is skipped.
    spf = f'{DOMAIN}. TXT "v=spf1 mx -all"'
    after_a_step = f"First move the senders of include:old.example to mx, then publish:\n{spf}"
    for fixes in ([spf, after_a_step], [after_a_step, spf]):
        found = records_to_publish(fixes, DOMAIN)
        assert found.lines == [], fixes
        assert found.left_out == [(f"{DOMAIN} (TXT)", "its fix has steps besides the record")]


def test_records_no_other_fix_holds_back_are_still_copied() -> None:
    spf = f'{DOMAIN}. TXT "v=spf1 mx -all"'
    found = records_to_publish([spf, MTASTS_10], DOMAIN)
    assert found.lines == [spf]


# ---------------------------- 24a66fe: a record with a zone-file comment is not a record alone

# MX-01's fix for a domain with no MX and no address that shows signs of sending mail
# (tests/test_engine_s20_advice2.py): a null MX, but only if the domain takes no mail.
NULL_MX_IF = f"{DOMAIN}. MX 0 .   ; only if the domain should receive no mail"


def test_a_record_with_a_condition_after_it_is_not_copied_with_the_others() -> None:
    # The condition is a zone-file comment (RFC 1035 §5.1: ';' to the end of the line): a
    # zone import published the null MX whatever the answer (RFC 7505 §3: senders then give
    # up at once), and the record's own box copied "0 .   ; only if …" as the MX value.
    found = records_to_publish([NULL_MX_IF], DOMAIN)
    assert found.lines == []
    assert found.left_out == [(f"{DOMAIN} (MX)", "its fix has steps besides the record")]
    [record, words] = fix_parts(NULL_MX_IF)
    assert (record.kind, record.rtype, record.text, record.rdata) == ("record", "MX", "0 .", "0 .")
    assert (words.kind, words.text) == ("text", "only if the domain should receive no mail")
