"""Task s31x: three follow-ups from the review of s31d and s31l.

- A probe's clock forgives at most FORGIVEN_WAIT_TIMEOUTS timeouts of waiting for a slot under
  the run's connection cap: it starts at min(slot held, began waiting + 3 timeouts). b79acc4
  forgave the whole wait, so in a busy run a probe that waited long still took its full budget
  of optional questions after the slot, and the mechanism could run into its own time limit
  (ENGINE-01, "a server answered too slowly") because of our queue. The fetch's own time
  (address_ms, which MTASTS-16 judges) is still counted from the slot.
- DMARC-14 on 'fo=1:d,s' says receivers read fo=1 only (not d and s), where it said they read
  no option and use the default.
- MX-02's fix names each null MX record to delete on its own line.
"""

from __future__ import annotations

from pathlib import Path

from checks import mx
from checks.findings import Status
from tests.test_engine_s31d import fetch_after_waiting, probe_after_waiting
from tests.test_engine_s31s import _fo_warning
from tests.test_https_s30n_default_vhost import problems
from tests.test_mx import make_ctx, run_eval
from tests.test_spf import published

# --- a long wait for a slot is forgiven up to 3 timeouts ---------------------------------------


def test_a_starttls_probe_that_waited_long_for_a_slot_leaves_its_optional_questions_out(
    tmp_path: Path,
) -> None:
    # Timeout 0.5 s: 1.5 s of waiting is forgiven and the optional questions have 2 s from
    # the clock's start. A wait of 4 s leaves 2.5 s counted: the TLS 1.2 question is not
    # asked ("could not be tested this time"), and the probe ends after its main session.
    probe = probe_after_waiting(tmp_path, 4.0)
    assert probe.tls_version == "TLSv1.3"
    assert probe.tls12_accepted is None
    assert probe.elapsed_ms < 2500  # the probe's own time from the slot, not the queue's


def test_an_https_fetch_that_waited_long_for_a_slot_has_no_time_left_for_the_question_without_sni(
    tmp_path: Path,
) -> None:
    # Timeout 0.5 s: 1.5 s of waiting is forgiven, and the address's budget is 0.5 s from the
    # clock's start. A wait of 3 s has spent it: the question without SNI is not asked
    # (MTASTS-12, as before b79acc4), while the fetch's own time is still its own.
    result = fetch_after_waiting(tmp_path, 3.0)
    assert result.cert is not None and result.cert.same_without_sni is None
    assert "MTASTS-12" in problems(result) and "MTASTS-13" not in problems(result)
    assert result.address_ms < 1500


# --- DMARC-14: options split by ',' beside one split by ':' ------------------------------------


def test_dmarc14_says_which_fo_options_receivers_read_when_only_some_use_commas() -> None:
    # 'fo=1:d,s': receivers read the option before ':' (1) and not the piece 'd,s' (RFC 7489
    # §6.3 separates options with ':'), as they read fo=1:x. DMARC-14 said "receivers read no
    # option in it and use the default, fo=0".
    finding = _fo_warning(
        "elmstead-garage.com",
        "v=DMARC1; p=reject; rua=mailto:dmarc@elmstead-garage.com; "
        "ruf=mailto:forensic@elmstead-garage.com; fo=1:d,s",
    )
    assert "read no option" not in finding.summary and "fo=0" not in finding.summary
    assert "receivers read fo=1 only" in finding.summary, finding.summary
    assert "d and s" in finding.summary and "fo=1:d:s" in finding.summary
    _, record = published(finding.fix)
    assert record.endswith("; fo=1:d:s"), record


def test_dmarc14_fo_with_commas_only_still_says_the_default_is_used() -> None:
    # The control: in 'fo=1,d' receivers read no option; the default fo=0 applies.
    finding = _fo_warning(
        "elmstead-garage.com",
        "v=DMARC1; p=reject; rua=mailto:dmarc@elmstead-garage.com; "
        "ruf=mailto:forensic@elmstead-garage.com; fo=1,d",
    )
    assert "read no option" in finding.summary and "fo=0" in finding.summary


# --- MX-02: the null MX records to delete, one a line ------------------------------------------


def _mx02_fix(records: list[str]) -> list[str]:
    zone = {("ex.com", "MX"): records, ("mail.ex.com", "A"): ["192.0.2.1"]}
    (finding,) = [f for f in run_eval(mx, make_ctx("ex.com", zone)) if f.id == "MX-02"]
    assert finding.status == Status.FAIL
    return finding.fix.splitlines()


def test_mx02_names_the_one_null_mx_record_to_delete() -> None:
    # 'MX 0 .' and 'MX 10 .': the fix read "Remove the record ex.com. MX 10 . and keep ex.com.
    # MX 0 .", which reads as two records to remove. It names the one, on its own line.
    head, *records = _mx02_fix(["0 .", "10 ."])
    assert records == ["ex.com. MX 10 ."]
    assert "this" in head and "keep ex.com. MX 0 ." in head


def test_mx02_names_each_null_mx_record_to_delete() -> None:
    head, *records = _mx02_fix(["0 .", "10 .", "20 ."])
    assert records == ["ex.com. MX 10 .", "ex.com. MX 20 ."]
    assert "these" in head and "keep ex.com. MX 0 ." in head


def test_mx02_names_the_null_mx_records_beside_real_hosts_one_a_line() -> None:
    # Beside a real host both null records go (or the host does): "Remove the record
    # ex.com. MX 0 . and ex.com. MX 10 .  (or ...)" named two records as one.
    head, *records = _mx02_fix(["0 .", "10 .", "10 mail.ex.com."])
    assert records == ["ex.com. MX 0 .", "ex.com. MX 10 ."]
    assert "these" in head and "the record" not in head
