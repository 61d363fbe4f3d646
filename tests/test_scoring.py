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
