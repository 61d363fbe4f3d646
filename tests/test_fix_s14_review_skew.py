"""A leaf starting within the clock allowance (certs.NOT_BEFORE_SKEW) hid an intermediate not
valid for days: MTASTS-12 read "could not be judged now, check again after …" (error, no
MTASTS-10) and BIMI-04 likewise, though no clock difference explains the intermediate. The
leaf counts as "within the skew" only when no CA certificate on its path is stale
(https.CertInfo.stale_ca). Real TLS servers on 127.0.0.1; no lab.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from checks import bimi
from checks.findings import Collector, Mechanism, Status
from tests.test_bimi import LOGO, D
from tests.test_bimi_s11_logo_tls import Served, fetched, now
from tests.test_certs import Pki
from tests.test_certs_s10_edges import mint
from tests.test_fix_s14_cert_fixes import POLICY_HOST, one, policy_findings
from tests.test_fix_s14_review_refusals import ca_valid_from


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def test_a_leaf_within_the_skew_under_a_future_intermediate_fails_mtasts(
    pki: Pki, tmp_path: Path
) -> None:
    future = ca_valid_from(pki, "Next Issuing CA", days=2)
    served = Served(
        mint(future, not_before=now() + timedelta(seconds=60), host=POLICY_HOST), [future]
    )
    findings = policy_findings(pki, tmp_path, served)
    finding = one(findings, "MTASTS-12")
    assert "'CN=Next Issuing CA' is not valid before" in finding.summary
    assert "Check again" not in finding.summary
    assert finding.fix.startswith("Install the intermediate certificate from your CA that is valid")
    one(findings, "MTASTS-10")  # senders have no policy: said, as for any refused certificate
    assert not [f for f in findings if f.id == "MTASTS-12" and f.status == Status.ERROR]


def test_a_leaf_within_the_skew_under_a_future_intermediate_fails_bimi_04(
    pki: Pki, tmp_path: Path
) -> None:
    future = ca_valid_from(pki, "Next Issuing CA", days=2)
    served = Served(
        mint(future, not_before=now() + timedelta(seconds=60), host="bimi.example.com"), [future]
    )
    out = Collector(Mechanism.BIMI)
    bimi._logo(out, LOGO, fetched(pki, tmp_path, served, LOGO), "", D)
    [finding] = out.findings
    assert (finding.id, finding.status) == ("BIMI-04", Status.FAIL)
    assert "'CN=Next Issuing CA' is not valid before" in finding.summary
    assert finding.fix


def test_a_leaf_within_the_skew_under_a_current_chain_is_still_could_not_check(
    pki: Pki, tmp_path: Path
) -> None:
    assert pki.inter is not None
    served = Served(
        mint(pki.inter, not_before=now() + timedelta(seconds=60), host=POLICY_HOST), [pki.inter]
    )
    findings = policy_findings(pki, tmp_path, served)
    [finding] = [f for f in findings if f.id == "MTASTS-12"]
    assert finding.status == Status.ERROR
    assert not [f for f in findings if f.id == "MTASTS-10"]
