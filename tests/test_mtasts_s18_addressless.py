"""Round s18w2: no MTA-STS fix lists an MX host that cannot receive mail (MX-06).

ec83bbf made MTASTS-01's proposed policy leave out MX hosts without an address. The other
policies a run proposes follow the same rule (checks.mtasts.addressless): MTASTS-10's file to
serve, and the policy change of MTASTS-30/31 (the mx lines added for uncovered MX hosts, the
hosts put in place of an over-broad wildcard). A host whose address lookup failed, or whose
addresses are bogus, stays. MX-01 and DANE-01 on a target written without its final dot
(s13-mxnodot) agree with MX-06. Statuses are unchanged; only fixes and wording are checked.
The MTA-STS side as in test_mtasts, the cases as in test_mtasts_s18_causes."""

from __future__ import annotations

import pytest

from checks import dane, mx
from checks.findings import Finding, Status
from tests.test_mtasts import POLICY, ZONE, FakeProbe, evaluate
from tests.test_mx import make_ctx, run_eval

NO_MX2 = {k: v for k, v in ZONE.items() if k != ("mx2.example.org", "A")}
LEFT_OUT = "The policy leaves out mx2.example.org: it has no address, so no mail goes there"


def _only(found: list[Finding], check_id: str, subject: str = "") -> Finding:
    [one] = [f for f in found if f.id == check_id and f.subject.startswith(subject)]
    return one


# --- MTASTS-10: the file to serve when the policy host has none ------------------------------


def _mtasts10(monkeypatch: pytest.MonkeyPatch, zone: dict) -> Finding:  # type: ignore[type-arg]
    # A 404 page, no policy (one carrying a valid policy: tests/test_engine_s45l_*.py).
    found = _only(evaluate(monkeypatch, zone, status=404, body="Not Found\n"), "MTASTS-10")
    assert found.status == Status.FAIL  # unchanged
    return found


def test_the_file_to_serve_leaves_out_an_mx_host_without_an_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fix = _mtasts10(monkeypatch, NO_MX2).fix
    assert fix.startswith("1. Serve this file at https://mta-sts.example.org/")
    assert "mx: mx1.example.org\nmax_age:" in fix and "mx: mx2.example.org" not in fix
    # The left-out note ends the steps; the withdrawal alternative (s48b) follows them.
    steps, withdrawal = fix.rsplit("\n", 1)
    assert steps.endswith(f"{LEFT_OUT} (see MX-06).")
    assert withdrawal.startswith("If MTA-STS is being withdrawn instead")


def test_no_file_to_serve_when_no_mx_host_has_an_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone = {k: v for k, v in ZONE.items() if k[1] != "A"}
    fix = _mtasts10(monkeypatch, zone).fix
    assert fix.startswith(
        "Fix the MX records first: no MX host of example.org has an address "
        "(mx1.example.org, mx2.example.org; see MX-06), so no mail can be delivered to it. "
        "Then serve the policy file at https://mta-sts.example.org/.well-known/mta-sts.txt"
    )
    assert "mx:" not in fix and "version: STSv1" not in fix


def test_the_file_to_serve_keeps_a_host_whose_lookup_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # SERVFAIL is "could not check" (checklist §0), not "no address".
    zone = NO_MX2 | {("mx2.example.org", "A"): "SERVFAIL", ("mx2.example.org", "AAAA"): "SERVFAIL"}
    fix = _mtasts10(monkeypatch, zone).fix
    assert "mx: mx1.example.org\nmx: mx2.example.org\n" in fix and "leaves out" not in fix


def test_the_file_to_serve_lists_every_host_with_an_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fix = _mtasts10(monkeypatch, ZONE).fix
    assert "mx: mx1.example.org\nmx: mx2.example.org\n" in fix and "leaves out" not in fix


# --- MTASTS-30/31: the policy change ----------------------------------------------------------

WITHOUT_MX2 = POLICY.replace("mx: mx2.example.org\r\n", "")


def test_an_uncovered_mx_host_without_an_address_gets_no_mx_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = evaluate(monkeypatch, NO_MX2, body=WITHOUT_MX2)
    cover = _only(found, "MTASTS-30")
    # A note, not a warning: no mail goes there, so enforce cannot refuse any (s19x).
    assert cover.status == Status.INFO
    # It is no reason for a policy change: no file, no new id.
    assert cover.fix == (
        "The policy needs no mx line for mx2.example.org: it has no address, so no mail goes "
        "there (see MX-06)."
    )
    assert cover.summary == (
        "MX host mx2.example.org matches no mx pattern; mx2.example.org has no address "
        "(see MX-06), so no mail goes there with or without the policy."
    )
    assert not any("mx: mx2.example.org" in f.fix for f in found)


def test_the_policy_change_adds_only_uncovered_hosts_that_have_an_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone = NO_MX2 | {
        ("example.org", "MX"): [
            "10 mx1.example.org.",
            "20 mx2.example.org.",
            "30 mx3.example.org.",
        ],
        ("mx3.example.org", "A"): ["192.0.2.14"],
    }
    found = evaluate(monkeypatch, zone, body=WITHOUT_MX2)
    cover = _only(found, "MTASTS-30")
    assert cover.status == Status.WARN
    assert "mx: mx1.example.org\nmx: mx3.example.org\nmax_age:" in cover.fix
    assert "mx: mx2.example.org" not in cover.fix
    assert cover.fix.endswith(f"{LEFT_OUT} (see MX-06).")
    assert cover.summary.endswith(
        "Of those, mx2.example.org has no address (see MX-06), so no mail goes there either way."
    )


def test_a_wildcard_is_replaced_by_the_hosts_that_have_an_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = WITHOUT_MX2.replace("mx: mx1.example.org", "mx: *.example.org")
    found = evaluate(monkeypatch, NO_MX2, body=body)
    broad = _only(found, "MTASTS-31", "*.example.org")
    assert broad.status == Status.WARN
    assert "mx: mx1.example.org\nmax_age:" in broad.fix and "mx: mx2.example.org" not in broad.fix
    assert broad.fix.endswith(f"{LEFT_OUT} (see MX-06).")


def test_the_owners_own_line_for_a_host_without_an_address_stays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The owner listed it: it may get its address back; nothing is said to be left out.
    body = POLICY.replace("mx: mx1.example.org", "mx: *.example.org")
    broad = _only(evaluate(monkeypatch, NO_MX2, body=body), "MTASTS-31", "*.example.org")
    assert "mx: mx1.example.org\nmx: mx2.example.org\n" in broad.fix
    assert "leaves out" not in broad.fix


def test_an_uncovered_host_whose_lookup_failed_is_still_added(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone = NO_MX2 | {("mx2.example.org", "A"): "SERVFAIL", ("mx2.example.org", "AAAA"): "SERVFAIL"}
    cover = _only(evaluate(monkeypatch, zone, body=WITHOUT_MX2), "MTASTS-30")
    assert cover.status == Status.WARN
    assert "mx: mx1.example.org\nmx: mx2.example.org\n" in cover.fix
    assert "leaves out" not in cover.fix and "no address" not in cover.summary


def test_an_addressless_primary_is_not_called_the_primary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # mx1 (preference 10) has no address, mx2 is covered, mx3 (30) is not: mail goes to mx2
    # first already, so the uncovered mx3 is a backup, not "the primary MX".
    zone = {k: v for k, v in ZONE.items() if k != ("mx1.example.org", "A")} | {
        ("example.org", "MX"): [
            "10 mx1.example.org.",
            "20 mx2.example.org.",
            "30 mx3.example.org.",
        ],
        ("mx3.example.org", "A"): ["192.0.2.14"],
    }
    body = POLICY.replace("mx: mx1.example.org\r\n", "")
    cover = _only(evaluate(monkeypatch, zone, body=body), "MTASTS-30")
    assert cover.status == Status.WARN
    assert "includes the primary MX" not in cover.summary
    assert "which shows up only when the other MX hosts are down" in cover.summary
    assert "mx: mx2.example.org\nmx: mx3.example.org\nmax_age:" in cover.fix
    assert "mx: mx1.example.org" not in cover.fix


def test_no_mx_host_with_an_address_asks_for_the_mx_records_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone = {k: v for k, v in ZONE.items() if k[1] != "A"}
    body = POLICY.replace("mx1.example.org", "old1.example.org").replace(
        "mx2.example.org", "old2.example.org"
    )
    cover = _only(evaluate(monkeypatch, zone, body=body), "MTASTS-30")
    assert cover.status == Status.FAIL  # unchanged: enforce, and no MX matches
    assert cover.fix.startswith("Fix the MX records first: no MX host of example.org has an ")
    assert "mx:" not in cover.fix
    assert cover.summary.endswith(
        "mx1.example.org, mx2.example.org have no address either (see MX-06)."
    )


def test_a_served_policy_to_announce_names_the_host_it_leaves_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A policy is served but not announced (MTASTS-01): the file to announce adds no mx line
    # for mx2, which has no address, and says why, as MTASTS-01's setup from nothing does.
    # mx1 fails validation, so the served file is not safe to announce as it is (since s19x an
    # addressless mx2 alone no longer holds it back) and MTASTS-01 proposes its own file.
    zone = {k: v for k, v in NO_MX2.items() if k[0] != "_mta-sts.example.org"}
    found = evaluate(
        monkeypatch,
        zone,
        body=WITHOUT_MX2,
        probes={"mx1.example.org": FakeProbe(mta_sts_ok=False, problem="certificate expired")},
    )
    first = _only(found, "MTASTS-01")
    assert first.status == Status.INFO  # unchanged
    assert "mx: mx1.example.org\nmax_age:" in first.fix and "mx: mx2" not in first.fix
    assert first.fix.endswith(f"{LEFT_OUT} (see MX-06).")


# --- s13-mxnodot: the findings that name a target written without its final dot --------------
# MX-06 says the target lacks its final dot and gives the dotted record (fbe0614). MX-01's list
# and DANE-01 named the doubled host as if it were the one meant, and DANE-01 could ask for
# records under it.

NODOT = {
    ("example.org", "MX"): ["10 mx1.example.org.example.org.", "20 mx2.example.org.example.org."]
}


def _mx01(zone: dict) -> Finding:  # type: ignore[type-arg]
    return _only(run_eval(mx, make_ctx("example.org", zone)), "MX-01")


def test_mx01_says_the_targets_look_written_without_their_final_dot() -> None:
    zone = NODOT | {("mx1.example.org", "A"): ["192.0.2.11"]}
    found = _mx01(zone)
    assert found.status == Status.PASS  # unchanged
    assert found.summary == (
        "example.org publishes 2 MX hosts: mx1.example.org.example.org, "
        "mx2.example.org.example.org. Both look like MX targets written without their final "
        "dot in the zone file (see MX-06)."
    )


def test_mx01_names_the_one_target_written_without_its_final_dot() -> None:
    zone = {
        ("example.org", "MX"): ["10 mx1.example.org.example.org.", "20 mx2.example.org."],
        ("mx2.example.org", "A"): ["192.0.2.12"],
    }
    assert _mx01(zone).summary.endswith(
        "mx2.example.org. mx1.example.org.example.org looks like an MX target written without "
        "its final dot in the zone file (see MX-06)."
    )


def test_mx01_says_nothing_of_a_doubled_name_that_exists() -> None:
    # A host that really is called so and has an address: MX-06 has nothing to say either.
    zone = NODOT | {
        ("mx1.example.org.example.org", "A"): ["192.0.2.11"],
        ("mx2.example.org.example.org", "A"): ["192.0.2.12"],
    }
    assert _mx01(zone).summary == (
        "example.org publishes 2 MX hosts: mx1.example.org.example.org, "
        "mx2.example.org.example.org."
    )


def _dane01(zone: dict) -> list[Finding]:  # type: ignore[type-arg]
    ctx = make_ctx("example.org", zone)
    ctx.dns.ad = True  # type: ignore[attr-defined]  # a signed zone, as s13-mxnodot's
    return [f for f in run_eval(dane, ctx) if f.id == "DANE-01"]


def test_dane01_points_a_doubled_target_to_mx06() -> None:
    first, second = _dane01(NODOT)
    assert (first.status, second.status) == (Status.INFO, Status.INFO)  # unchanged
    assert first.summary == (
        "mx1.example.org.example.org publishes no TLSA record at "
        "_25._tcp.mx1.example.org.example.org: DANE is not used for it. It has no address "
        "either: it looks like mx1.example.org written without its final dot in the zone file "
        "(see MX-06), so TLSA records for it belong at _25._tcp.mx1.example.org."
    )
    assert first.fix == (
        "Correct the MX record first (see MX-06); DANE for mx1.example.org is checked once the "
        "MX record names it."
    )
    assert "_25._tcp.mx2.example.org.example.org" not in second.fix


def test_dane01_for_an_mx_host_without_an_address_asks_for_no_tlsa_records() -> None:
    [found] = _dane01({("example.org", "MX"): ["10 gone.example.org."]})
    assert found.summary.endswith(
        "DANE is not used for it. It has no address either, so no sender connects to it "
        "(see MX-06)."
    )
    assert found.fix.startswith("Publish an address for gone.example.org or remove its MX record")
    assert "TLSA 3 1 1" not in found.fix and "Sign the zone" not in found.fix


def test_dane01_for_a_host_whose_lookup_failed_is_unchanged() -> None:
    zone = {
        ("example.org", "MX"): ["10 mx1.example.org.example.org."],
        ("mx1.example.org.example.org", "A"): "SERVFAIL",
        ("mx1.example.org.example.org", "AAAA"): "SERVFAIL",
    }
    [found] = _dane01(zone)
    assert found.summary.endswith(": DANE is not used for it.")
    assert "MX-06" not in found.fix
