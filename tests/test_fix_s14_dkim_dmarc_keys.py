"""DKIM fixes: the key record to publish, or the steps to a key receivers accept.

Each fail or warn of a key record used to come with no fix. Where the repair is certain (PEM
armour, t=y, h=sha1, s=tlsrpt, v= not first, an Ed25519 key wrapped or missing its k=) the fix
is the record itself, every other choice of the owner kept, and the engine no longer raises
the finding once it is published. A key that must be replaced (too short, of a type receivers
do not know) gets the steps to a new 2048-bit key under a new selector, with a template that
parses cleanly once the new key is filled in; a mangled key the steps to copy it again.
"""

from __future__ import annotations

import asyncio
import base64
import re
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from checks import dkim
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer
from checks.findings import Finding, Status
from tests.test_spf import FakeDns, Zone, published, run

D = "example.org"
RECORD = re.compile(r"^\S+\. TXT ")


def _spki(key: Any) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


RSA_2048 = base64.b64encode(_spki(rsa.generate_private_key(65537, 2048).public_key())).decode()
RSA_1024 = base64.b64encode(_spki(rsa.generate_private_key(65537, 1024).public_key())).decode()
# cryptography refuses to make a 512-bit key: this one is the lab's (tests/lab/scenarios/f40).
RSA_512 = (
    "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAK7WQCS+GOHbPAtKpSvu9BPb2GjFyDfQ3xcPt7Ap9n63QdLLJJCpKibRvi767"
    "NzF0Z18WAoiqb3kx0JLp3w1axsCAwEAAQ=="
)
_ED = ed25519.Ed25519PrivateKey.generate().public_key()
ED_RAW = base64.b64encode(
    _ED.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
).decode()
ED_SPKI = base64.b64encode(_spki(_ED)).decode()


def findings(
    selector: str, *records: Any, zone: Zone | None = None, also: tuple[str, ...] = ()
) -> list[Finding]:
    zone = {**(zone or {}), (f"{selector}._domainkey.{D}", "TXT"): list(records)}
    return run(dkim, D, zone, dkim_selectors=(selector, *also))


def one(found: list[Finding], check_id: str, status: Status | None = None) -> Finding:
    (finding,) = [f for f in found if f.id == check_id and (status is None or f.status == status)]
    return finding


def republished(selector: str, finding: Finding) -> tuple[str, list[Finding]]:
    """The record the fix proposes, and the findings once it replaces the published one."""
    (line,) = [line for line in finding.fix.split("\n") if RECORD.match(line)]
    name, record = published(line)
    assert name == f"{selector}._domainkey.{D}"
    return record, findings(selector, record)


def bad(found: list[Finding]) -> set[tuple[str, str]]:
    return {(f.id, str(f.status)) for f in found if f.status in (Status.FAIL, Status.WARN)}


def test_it_removes_pem_armour_and_line_breaks_from_the_key() -> None:
    # Its lines joined with spaces, as a panel stores a pasted PEM block.
    pem = (
        "-----BEGIN PUBLIC KEY----- "
        + " ".join(RSA_2048[i : i + 64] for i in range(0, len(RSA_2048), 64))
        + " -----END PUBLIC KEY-----"
    )
    finding = one(findings("pem", f"v=DKIM1; k=rsa; n=ops; p={pem}"), "DKIM-06", Status.FAIL)
    record, again = republished("pem", finding)
    assert record == f"v=DKIM1; k=rsa; n=ops; p={RSA_2048}"
    assert bad(again) == set()
    # Split into strings of at most 255 octets, as zone files and panels need.
    assert all(len(s) <= 257 for s in re.findall(r'"[^"]*"', finding.fix))


def test_it_drops_t_y_once_tested_and_keeps_the_other_flag() -> None:
    finding = one(findings("s1", f"v=DKIM1; t=y:s; p={RSA_2048}"), "DKIM-11", Status.WARN)
    record, again = republished("s1", finding)
    assert record == f"v=DKIM1; t=s; p={RSA_2048}"
    assert bad(again) == set()
    finding = one(findings("s1", f"v=DKIM1; t=y; p={RSA_2048}"), "DKIM-11", Status.WARN)
    assert republished("s1", finding)[0] == f"v=DKIM1; p={RSA_2048}"


def test_every_fix_of_a_record_is_the_one_record_with_all_its_repairs() -> None:
    # DKIM-09's fix kept t=y and DKIM-11's kept h=sha1: publishing one brought the other back.
    found = findings("s1", f"v=DKIM1; h=sha1; t=y; p={RSA_2048}")
    for check_id in ("DKIM-09", "DKIM-11"):
        record, again = republished("s1", one(found, check_id))
        assert record == f"v=DKIM1; p={RSA_2048}", check_id
        assert bad(again) == set()


def test_it_leaves_out_h_sha1_and_sets_h_sha256_after_the_signer_switched() -> None:
    # Without h= the key verifies rsa-sha1 and rsa-sha256 alike while the signer switches.
    for written, expected in (
        ("sha1", ""),
        ("sha1:sha256", "h=sha256; "),
        ("SHA256", "h=sha256; "),
    ):
        finding = one(findings("s1", f"v=DKIM1; k=rsa; h={written}; p={RSA_2048}"), "DKIM-09")
        record, again = republished("s1", finding)
        assert record == f"v=DKIM1; k=rsa; {expected}p={RSA_2048}", written
        assert bad(again) == set()
        signer = finding.fix.startswith(
            "First make sure your mail's DKIM-Signature says a=rsa-sha256"
        )
        assert signer == ("sha1" in written), written


def test_it_leaves_out_an_s_that_lists_no_mail_service() -> None:
    # s=email:tlsrpt is valid RFC 6376, but dkimpy compares the whole value: nothing verifies.
    finding = one(findings("s1", f"v=DKIM1; s=tlsrpt; p={RSA_2048}"), "DKIM-10")
    record, again = republished("s1", finding)
    assert record == f"v=DKIM1; p={RSA_2048}"
    assert bad(again) == set()
    assert "give those their own selector with s=tlsrpt" in finding.fix


def test_it_puts_v_first_and_keeps_the_order_of_the_rest() -> None:
    finding = one(findings("s1", f"k=rsa; n=x; v=DKIM1; p={RSA_2048}"), "DKIM-04")
    assert republished("s1", finding)[0] == f"v=DKIM1; k=rsa; n=x; p={RSA_2048}"


def test_it_unwraps_an_ed25519_key_and_names_the_type_of_a_bare_one() -> None:
    finding = one(findings("ed", f"v=DKIM1; k=ed25519; p={ED_SPKI}"), "DKIM-08")
    record, again = republished("ed", finding)
    assert record == f"v=DKIM1; k=ed25519; p={ED_RAW}"
    assert ("DKIM-06", "pass") in {(f.id, str(f.status)) for f in again}
    for written in (f"v=DKIM1; k=rsa; p={ED_RAW}", f"v=DKIM1; p={ED_RAW}"):
        finding = one(findings("ed", written), "DKIM-08", Status.FAIL)
        assert republished("ed", finding)[0] == f"v=DKIM1; k=ed25519; p={ED_RAW}", written


def test_it_keeps_one_of_a_tag_given_twice_with_the_same_value() -> None:
    finding = one(findings("s1", f"v=DKIM1; p={RSA_2048}; p={RSA_2048}"), "DKIM-03")
    assert republished("s1", finding)[0] == f"v=DKIM1; p={RSA_2048}"
    # Two different keys: which one signs only the owner knows.
    finding = one(findings("s1", f"v=DKIM1; p={RSA_2048}; p={RSA_1024}"), "DKIM-03")
    assert "TXT" not in finding.fix and "each tag once" in finding.fix


def _steps(fix: str) -> tuple[str, str, str]:
    """(the new selector, its template record with a real key in it, the whole text)."""
    (line,) = [line for line in fix.split("\n") if RECORD.match(line)]
    name, record = published(line)
    selector = name.split("._domainkey.")[0]
    assert name == f"{selector}._domainkey.{D}"
    assert re.search(r"p=<[^>]+>$", record), record
    return selector, re.sub(r"<[^>]+>$", RSA_2048, record), fix


def test_a_short_key_gets_the_steps_to_a_new_key_under_a_new_selector() -> None:
    zone: Zone = {(f"s1024-2048._domainkey.{D}", "TXT"): [f"v=DKIM1; p={RSA_2048}"]}
    for key, status in ((RSA_512, Status.FAIL), (RSA_1024, Status.WARN)):
        found = findings("s1024", f"v=DKIM1; k=rsa; p={key}", zone=zone, also=("s1024-2048",))
        selector, template, fix = _steps(one(found, "DKIM-07", status).fix)
        # A selector already holding a key is not offered.
        assert selector not in ("s1024", "s1024-2048")
        assert (
            dkim.parse_key_record(template).usable and not dkim.parse_key_record(template).problems
        )
        assert "2048-bit" in fix and f"delete the TXT record at s1024._domainkey.{D}" in fix
        assert fix.index(f"Publish its public key under the selector {selector}") < fix.index(
            f"Switch signing to the selector {selector}"
        )


def test_t_y_on_a_key_receivers_refuse_points_to_a_new_key() -> None:
    found = findings("old", f"v=DKIM1; t=y; p={RSA_512}")
    assert one(found, "DKIM-11").fix == one(found, "DKIM-07").fix
    _steps(one(found, "DKIM-11").fix)


def test_an_unknown_key_type_gets_the_steps_to_an_rsa_key() -> None:
    found = findings("ec1", "v=DKIM1; k=ecdsa; p=MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE")
    selector, template, fix = _steps(one(found, "DKIM-08").fix)
    assert selector == "ec1-2048" and "k=rsa" in template
    assert "still verifies" not in fix  # mail signed with it does not verify now


def test_a_mangled_key_is_copied_again_at_the_same_selector() -> None:
    found = findings("edshort", f"v=DKIM1; k=ed25519; p={ED_RAW[:-4]}")
    fix = one(found, "DKIM-08", Status.FAIL).fix
    (line,) = [line for line in fix.split("\n") if RECORD.match(line)]
    name, record = published(line)
    assert name == f"edshort._domainkey.{D}"
    assert dkim.parse_key_record(re.sub(r"<[^>]+>$", ED_RAW, record)).usable
    assert "base64" in fix


class AliasDns(FakeDns):
    """FakeDns with CNAMEs: a name with a CNAME entry answers what its target holds."""

    async def query(self, name: str, rdtype: str, *, cd: bool = False) -> DnsAnswer:
        alias = self.zone.get((name.lower().rstrip("."), "CNAME"))
        if not alias:
            return await super().query(name, rdtype, cd=cd)
        target = alias[0].rstrip(".")
        answer = await super().query(target, rdtype, cd=cd)
        answer.cnames = [target, *answer.cnames]
        return answer


def test_a_selector_aliased_to_a_provider_is_the_providers_to_fix() -> None:
    target = "s1.dkim.provider.example"
    zone: Zone = {
        (f"s1._domainkey.{D}", "CNAME"): [f"{target}."],
        (target, "TXT"): [f"v=DKIM1; t=y; p={RSA_1024}"],
    }
    ctx = CheckContext(D, CheckConfig(dkim_selectors=("s1",)), dns=AliasDns(zone))  # type: ignore[arg-type]
    found = asyncio.run(dkim.evaluate(ctx))
    rotate = one(found, "DKIM-07").fix
    assert target in rotate and " TXT " not in rotate and "provider" in rotate
    testing = one(found, "DKIM-11").fix
    assert testing.split("\n")[-1] == f'{target}. TXT "v=DKIM1; p={RSA_1024}"'
    assert f"s1._domainkey.{D} is an alias of {target}" in testing


def test_two_key_records_name_the_keys_or_delete_the_unusable_one() -> None:
    found = findings("twin", f"v=DKIM1; p={RSA_2048}", f"v=DKIM1; p={RSA_1024}")
    fix = one(found, "DKIM-02").fix
    assert "2048-bit RSA key" in fix and "1024-bit RSA key" in fix and RSA_1024[-16:] in fix
    found = findings("twin", f"v=DKIM1; p={RSA_2048}", f"v=DKIM1; p={RSA_512}")
    fix = one(found, "DKIM-02").fix
    assert fix.startswith("Delete this record: ") and RSA_512 in fix and RSA_2048 not in fix


def test_a_key_split_over_records_is_joined_into_one() -> None:
    record = f"v=DKIM1; k=rsa; p={RSA_2048}"
    found = findings("split", record[:200], record[200:])
    fix = one(found, "DKIM-02").fix
    (line,) = [line for line in fix.split("\n") if RECORD.match(line)]
    name, joined = published(line)
    assert (name, joined) == (f"split._domainkey.{D}", record)
    assert bad(findings("split", joined)) == set()
