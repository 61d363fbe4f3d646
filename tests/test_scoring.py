from checks.findings import Finding, Mechanism, Status
from checks.scoring import SCORE_VERSION, WEIGHTS, compute


def f(check_id: str, status: Status, mechanism: Mechanism) -> Finding:
    return Finding(id=check_id, status=status, mechanism=mechanism, summary="")


def all_pass() -> list[Finding]:
    ids = {
        Mechanism.MX: "MX-01",
        Mechanism.MTASTS: "MTASTS-02",
        Mechanism.TLSRPT: "TLSRPT-02",
        Mechanism.SMTP: "SMTP-04",
        Mechanism.SPF: "SPF-09",
        Mechanism.DKIM: "DKIM-07",
        Mechanism.DMARC: "DMARC-05",
        Mechanism.DNSSEC: "DNSSEC-01",
        Mechanism.DANE: "DANE-07",
        Mechanism.BIMI: "BIMI-02",
    }
    return [f(i, Status.PASS, m) for m, i in ids.items()]


def test_it_gives_100_when_everything_passes() -> None:
    score, detail = compute(all_pass())
    assert score == 100
    assert detail["version"] == SCORE_VERSION
    assert detail["partial"] is False


def test_it_zeroes_a_failing_category() -> None:
    findings = all_pass() + [f("MTASTS-30", Status.FAIL, Mechanism.MTASTS)]
    score, detail = compute(findings)
    assert score == 100 - WEIGHTS[Mechanism.MTASTS]
    assert detail["categories"]["mta-sts"]["costs"] == ["MTASTS-30"]


def test_it_charges_a_quarter_per_distinct_warning() -> None:
    findings = all_pass() + [
        f("SPF-05", Status.WARN, Mechanism.SPF),
        f("SPF-05", Status.WARN, Mechanism.SPF),
        f("SPF-11", Status.WARN, Mechanism.SPF),
    ]
    score, detail = compute(findings)
    assert detail["categories"]["spf"]["points"] == WEIGHTS[Mechanism.SPF] * 0.5
    assert score == 95


def test_errors_leave_the_denominator_and_mark_the_score_partial() -> None:
    findings = [x for x in all_pass() if x.mechanism != Mechanism.MTASTS]
    findings.append(f("MTASTS-01", Status.ERROR, Mechanism.MTASTS))
    score, detail = compute(findings)
    assert score == 100
    assert detail["partial"] is True
    assert detail["not_checked"] == ["mta-sts"]
    assert detail["categories"]["mta-sts"]["counted"] is False


def test_an_error_never_scores_lower_than_a_pass_would() -> None:
    failing = all_pass() + [f("SMTP-04", Status.FAIL, Mechanism.SMTP)]
    erroring = [x for x in all_pass() if x.mechanism != Mechanism.SMTP] + [
        f("SMTP-04", Status.ERROR, Mechanism.SMTP)
    ]
    assert compute(erroring)[0] > compute(failing)[0]


def test_absent_mta_sts_costs_its_weight() -> None:
    findings = [x for x in all_pass() if x.mechanism != Mechanism.MTASTS]
    findings.append(f("MTASTS-01", Status.INFO, Mechanism.MTASTS))
    score, _ = compute(findings)
    assert score == 100 - WEIGHTS[Mechanism.MTASTS]


def test_absent_dane_is_not_held_against_the_domain() -> None:
    findings = [x for x in all_pass() if x.mechanism != Mechanism.DANE]
    findings.append(f("DANE-01", Status.INFO, Mechanism.DANE))
    score, detail = compute(findings)
    assert score == 100
    assert detail["categories"]["dane"]["counted"] is False


def test_null_mx_domain_is_not_punished_for_transport() -> None:
    findings = [
        f("MX-03", Status.INFO, Mechanism.MX),
        f("MTASTS-01", Status.NA, Mechanism.MTASTS),
        f("SMTP-01", Status.NA, Mechanism.SMTP),
        f("TLSRPT-01", Status.NA, Mechanism.TLSRPT),
        f("DANE-01", Status.NA, Mechanism.DANE),
        f("SPF-09", Status.PASS, Mechanism.SPF),
        f("DMARC-05", Status.PASS, Mechanism.DMARC),
        f("DNSSEC-01", Status.PASS, Mechanism.DNSSEC),
    ]
    score, detail = compute(findings)
    assert score == 100
    assert detail["categories"]["smtp"]["counted"] is False


def test_nothing_checkable_gives_no_score() -> None:
    score, detail = compute([f("MX-01", Status.ERROR, Mechanism.MX)])
    assert score is None
    assert detail["partial"] is True


def test_an_error_beside_passes_leaves_the_category_unchecked() -> None:
    # v2: the record is there but the policy fetch timed out: MTA-STS is not 20/20.
    findings = all_pass() + [f("MTASTS-11", Status.ERROR, Mechanism.MTASTS)]
    score, detail = compute(findings)
    assert detail["categories"]["mta-sts"]["counted"] is False
    assert detail["categories"]["mta-sts"]["reason"] == "could not be checked"
    assert detail["not_checked"] == ["mta-sts"] and detail["partial"] is True
    # A fail seen beside the error is known: the category is failing, whatever the rest.
    failing = findings + [f("MTASTS-30", Status.FAIL, Mechanism.MTASTS)]
    assert compute(failing)[1]["categories"]["mta-sts"]["reason"] == "failing"
    assert compute(failing)[0] == 100 - WEIGHTS[Mechanism.MTASTS]


def test_mode_none_counts_as_not_deployed() -> None:
    withdrawn = Finding(
        id="MTASTS-33",
        status=Status.INFO,
        mechanism=Mechanism.MTASTS,
        summary="",
        evidence={"mode": "none"},
    )
    score, detail = compute(all_pass() + [withdrawn])
    assert detail["categories"]["mta-sts"]["reason"] == "not deployed"
    assert score == 100 - WEIGHTS[Mechanism.MTASTS]
    testing = Finding(id="MTASTS-33", status=Status.INFO, mechanism=Mechanism.MTASTS, summary="")
    assert compute(all_pass() + [testing])[0] == 100


def test_no_key_at_a_selector_the_owner_gave_scores_dkim_as_not_deployed() -> None:
    findings = [x for x in all_pass() if x.mechanism != Mechanism.DKIM]
    guessed = compute(findings + [f("DKIM-01", Status.INFO, Mechanism.DKIM)])
    assert guessed[1]["categories"]["dkim"]["counted"] is False
    named = Finding(
        id="DKIM-01",
        status=Status.INFO,
        mechanism=Mechanism.DKIM,
        summary="",
        evidence={"given_without_key": ["s1"]},
    )
    given = compute(findings + [named])
    assert given[1]["categories"]["dkim"]["reason"] == "not deployed"
    assert given[0] == round(100 * 90 / 100)


def test_category_costs_add_up_to_what_the_score_lost() -> None:
    findings = [x for x in all_pass() if x.mechanism not in (Mechanism.DKIM, Mechanism.DANE)]
    findings += [
        f("DKIM-01", Status.INFO, Mechanism.DKIM),  # not scored
        f("DANE-01", Status.INFO, Mechanism.DANE),  # not scored
        f("MTASTS-01", Status.INFO, Mechanism.MTASTS),  # not deployed
        f("SPF-11", Status.WARN, Mechanism.SPF),
    ]
    score, detail = compute(findings)
    lost = [c["score_lost"] for c in detail["categories"].values() if c["counted"] and c["weight"]]
    assert abs(sum(lost) - (100 - score)) < 0.6
    assert detail["categories"]["mta-sts"]["score_lost"] == round(100 * 20 / 85, 1)


def test_a_known_absence_beats_an_error_elsewhere_in_the_category() -> None:
    # An unsigned zone stays unsigned when an MX host's lookup timed out (DNSSEC-09 error).
    findings = [x for x in all_pass() if x.mechanism != Mechanism.DNSSEC] + [
        f("DNSSEC-01", Status.INFO, Mechanism.DNSSEC),
        f("DNSSEC-09", Status.ERROR, Mechanism.DNSSEC),
    ]
    score, detail = compute(findings)
    assert detail["categories"]["dnssec"]["reason"] == "not deployed"
    assert score == 100 - WEIGHTS[Mechanism.DNSSEC]
