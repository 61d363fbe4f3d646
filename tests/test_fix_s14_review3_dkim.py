"""Third look at the shared DKIM record (aa7b639): an Ed25519 key was told to have its mail
signed "a=rsa-sha256" (it only ever signs ed25519-sha256), and s=email:tlsrpt was kept in the
offered record, under which dkimpy verifies nothing (it compares a whole s= value as one
string); a key record with no s= serves every service, TLS reports included."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from checks.findings import Status
from tests.test_fix_s14_dkim_dmarc_keys import findings, one
from tests.test_fix_s14_review2_dkim import PUB, record_of, verifies

ED = base64.b64encode(
    ed25519.Ed25519PrivateKey.generate()
    .public_key()
    .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
).decode()


def test_an_ed25519_key_is_not_told_to_sign_rsa_sha256() -> None:
    found = findings("ed", f"v=DKIM1; k=ed25519; h=sha1; t=y; p={ED}")
    fixes = [f.fix for f in found if f.status in (Status.FAIL, Status.WARN) and f.fix]
    assert fixes
    assert not [fix for fix in fixes if "rsa-sha256" in fix or "rsa-sha1" in fix]


def test_several_services_in_s_are_left_out_of_the_offered_record() -> None:
    written = f"v=DKIM1; s=email:tlsrpt; t=y; p={PUB}"
    assert not verifies(written)  # dkimpy: no key for any service
    finding = one(findings("s1", written), "DKIM-11", Status.WARN)
    fixed = record_of(finding)
    assert "s=" not in fixed
    assert verifies(fixed) and verifies(fixed, tlsrpt=True)
    assert "give those their own selector with s=tlsrpt" in finding.fix
