"""s31d: engine follow-ups left by the last session.

- One home for the names of anonymous suites (SMTP-08 and DANE-14 read them alike).
- SMTP-07 says which versions a handshake offered and which the server took: the legacy
  handshake offers TLS 1.0 and 1.1 together, so a server taking 1.1 says nothing of 1.0.
- MTASTS-13's fix covers both servers that answer the policy host with the certificate they
  give without SNI: one without a site for the name, one whose only certificate lacks it.
- DANE-02 (and DNSSEC-09, for the host's addresses) name a DS for a key that does not sign the
  DNSKEY set of the MX host's zone (a KSK pre-published for a rollover, or a ZSK) as DNSSEC-01
  does for the policy domain's zone, and give the DS record to publish, which DNSSEC-02 (the
  policy domain's zone only) does not.
- MTASTS-09 compares a digest stored before the meaning digest (of the bytes as served) by
  what the run kept of that policy's text, so a new line ending alone is no change.
- The STARTTLS and HTTPS probes start an address's clock once they hold a slot under the
  run's connection cap: the wait is our queue, not the server's time.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dns.message
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest
from django.utils import timezone

from checks import dane, dnssec, https, mtasts, mx, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer
from checks.findings import Collector, Finding, Status
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase
from tests.test_certs import Pki
from tests.test_engine_s30k import APEX, Zone
from tests.test_https import StubDns
from tests.test_https_s30n_default_vhost import HOST, SniServer, fetch_from, problems
from tests.test_mtasts import POLICY, evaluate
from tests.test_mx import statuses
from tests.test_scheduling_mtasts_history import ID
from tests.test_starttls import ADDR, _config, _port, _server_context, aiosmtpd_server
from tests.test_starttls import HOST as SMTP_HOST

SUBJ = "mx.example.test"


# --- anonymous suites, one list ---------------------------------------------------------------


def test_anonymous_suites_are_named_in_one_place() -> None:
    for suite in ("ADH-AES256-GCM-SHA384", "AECDH-AES128-SHA", "TLS_DH_anon_WITH_AES_128_CBC_SHA"):
        assert starttls.is_anonymous_suite(suite), suite
    for suite in ("ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_256_GCM_SHA384", "DHE-RSA-AES256-SHA"):
        assert not starttls.is_anonymous_suite(suite), suite
    # DANE-14 reads suites by the STARTTLS list, not a copy of its own.
    assert not hasattr(dane, "_ANON_MARKERS")


# --- SMTP-07 says what was offered and what was taken -----------------------------------------


def _smtp07(**fields: object) -> Finding:
    probe = starttls.SmtpProbe(host=SUBJ, address="192.0.2.1", tls_ok=True)
    for name, value in fields.items():
        setattr(probe, name, value)
    out = Collector(starttls.MECHANISM)
    starttls._versions(out, probe, SUBJ, {})
    (found,) = out.findings
    return found


def test_smtp07_a_server_taking_tls11_from_10_and_11_is_not_said_to_refuse_or_take_10() -> None:
    found = _smtp07(
        tls_version="TLSv1.3",
        max_tls_version="TLSv1.3",
        tls_versions_accepted=["TLSv1.1", "TLSv1.2", "TLSv1.3"],
        legacy_checked=True,
        tls12_accepted=True,
    )
    assert found.status == Status.WARN
    assert found.summary.startswith(f"{SUBJ} still accepts TLS 1.1, deprecated by RFC 8996")
    assert "a handshake offering only TLS 1.0 and 1.1 got TLS 1.1" in found.summary
    assert "whether it also accepts TLS 1.0 was not tested" in found.summary
    assert found.evidence["legacy_offered"] == ["TLSv1", "TLSv1.1"]


def test_smtp07_a_server_taking_tls10_says_only_that() -> None:
    found = _smtp07(
        tls_version="TLSv1.2",
        max_tls_version="TLSv1.2",
        tls_versions_accepted=["TLSv1", "TLSv1.2"],
        legacy_checked=True,
    )
    assert found.status == Status.WARN
    assert (
        "still accepts TLS 1.0, deprecated by RFC 8996 (a handshake offering only TLS 1.0 and "
        "1.1 got TLS 1.0)."
    ) in found.summary
    assert "not tested" not in found.summary


def test_smtp07_tls13_only_beside_tls11_keeps_the_bcp195_words() -> None:
    found = _smtp07(
        tls_version="TLSv1.3",
        max_tls_version="TLSv1.3",
        tls_versions_accepted=["TLSv1.1", "TLSv1.3"],
        legacy_checked=True,
        tls12_accepted=False,
    )
    assert "got TLS 1.1; whether it also accepts TLS 1.0 was not tested), yet refuses TLS 1.2." in (
        found.summary
    )
    assert "and enable TLS 1.2" in found.fix


def test_smtp07_a_legacy_only_server_is_told_what_the_first_handshake_offered() -> None:
    found = _smtp07(
        tls_version="TLSv1.1",
        max_tls_version="TLSv1.1",
        tls_versions_accepted=["TLSv1.1"],
        legacy_checked=True,
    )
    assert found.status == Status.FAIL
    assert found.summary.startswith(
        f"{SUBJ} speaks at most TLS 1.1: offered TLS 1.0 to 1.3, it chose TLS 1.1."
    )


# --- MTASTS-13: a default certificate or a site's one certificate, told alike -----------------


def test_mtasts13_fix_covers_a_site_whose_one_certificate_lacks_the_name(tmp_path: Path) -> None:
    # The owner's web server with one certificate (example.org, www.example.org) that it gives
    # every name: it may well have a site for mta-sts.example.org already, and the handshake
    # without SNI cannot tell. "Add a site" alone would send that owner the wrong way.
    server = SniServer(tmp_path, {}, default=["example.org", "www.example.org"])
    found = problems(fetch_from(server))
    status, summary, fix = found["MTASTS-13"]
    assert status == Status.FAIL
    assert "a server whose one certificate does not name it" in summary
    assert f"Add a site (virtual host) for {HOST} to the web server at 127.0.0.1" in fix
    assert f"If it already has a site for {HOST}, that site's certificate does not name it" in fix
    assert f"add {HOST} to that certificate" in fix
    assert "from outside the two cases look the same" in fix


# --- DANE-02: a DS for a key that does not sign, in the MX host's zone ------------------------


class IdleDsDns:
    """A validating resolver's view of an MX host in example.test, whose parent holds the DS of
    `ds_keys` while only `zone.active` signs the DNSKEY set (s30k's shape): the TLSA lookup
    SERVFAILs with `code`, the lookups with CD answer, the SOA names the zone."""

    def __init__(self, zone: Zone, ds_keys: list[Any], code: int) -> None:
        self.zone, self.ds_keys, self.code = zone, ds_keys, code

    async def query(
        self,
        name: str,
        rdtype: str,
        *,
        cd: bool = False,
        want_dnssec: bool = False,
        fresh: bool = False,
    ) -> DnsAnswer:
        if rdtype == "A":
            return DnsAnswer(name, rdtype, "NOERROR", ad=True)
        if rdtype == "TLSA" and not cd:
            return DnsAnswer(name, rdtype, "SERVFAIL", ede=[(self.code, "")])
        if rdtype == "TLSA":
            return DnsAnswer(name, rdtype, "NOERROR", records=[TLSA], signed=True)
        if rdtype == "SOA":
            soa = dns.rrset.from_text(
                APEX + ".", 300, "IN", "SOA", f"ns.{APEX}. host.{APEX}. 1 7200 3600 86400 300"
            )
            message = dns.message.make_response(dns.message.make_query(name, rdtype))
            message.authority.append(soa)
            return DnsAnswer(name, rdtype, "NOERROR", message=message)
        if rdtype == "DS" and name == APEX:
            records = [self.zone.ds(k, 2) for k in self.ds_keys]
            return DnsAnswer(name, rdtype, "NOERROR", records=records, ad=True)
        if rdtype == "DNSKEY" and name == APEX and cd:
            return self.zone.dnskey_answer()
        return DnsAnswer(name, rdtype, "SERVFAIL")


MX = f"mx.{APEX}"
TLSA = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TLSA, "3 1 1 " + "ab" * 32)


def _dane02(dns_view: IdleDsDns) -> Finding:
    ctx = CheckContext("example.org", CheckConfig(), dns=dns_view)  # type: ignore[arg-type]
    state = asyncio.run(dane._resolve_state(ctx, MX))
    assert state.bogus
    out = Collector(dane.MECHANISM)
    host = SimpleNamespace(name=MX, bogus=False, addresses=["192.0.2.1"])
    mxset = SimpleNamespace(implicit=False, answer=SimpleNamespace(ad=True, evidence=dict))
    dane._host_findings(out, ctx, host, state, [], mxset)
    (found,) = [f for f in out.findings if f.id == "DANE-02"]
    assert found.status == Status.FAIL
    assert found.fix is not None
    return found


def test_dane02_names_the_ds_of_a_prepublished_ksk_and_gives_the_ds_to_publish() -> None:
    # Only the pre-published KSK's DS at the parent (s30k-prepubonly's shape, here the MX
    # host's zone): Unbound says EDE 10, and "Sign the zone (all its records) or remove the
    # DS" sent the owner to a zone that is signed. DNSSEC-02 judges only the policy domain's
    # zone, so the DS record to publish is given here.
    zone = Zone(257)
    fix = _dane02(IdleDsDns(zone, [zone.other], 10)).fix
    assert fix.startswith(
        "Publish at the registrar the DS record given below, of the key that signs the DNSKEY "
        f"set of the zone holding _25._tcp.{MX}."
    ), fix
    assert (
        f"the DS record at the parent is for DNSKEY {zone.tag(zone.other)}, a key-signing key"
    ) in fix
    assert "does not sign the DNSKEY set" in fix and "EDE 10 (RRSIGs Missing)" in fix
    assert "Sign the zone" not in fix and "DNSSEC-02" not in fix
    assert "remove the broken records" not in fix
    assert fix.endswith(f"The DS record to publish:\n{zone.line(zone.ds(zone.active, 2))}")


def test_dane02_a_zsk_ds_is_named_so_too() -> None:
    zone = Zone(256)
    fix = _dane02(IdleDsDns(zone, [zone.other], 9)).fix
    assert f"DNSKEY {zone.tag(zone.other)}, a zone-signing key (flags 256)" in fix
    assert zone.line(zone.ds(zone.active, 2)) in fix


def test_dane02_keeps_the_resolvers_reading_when_the_ds_is_not_the_fault() -> None:
    # Control: the DS carries the chain (the signing key's beside the next one's), so the
    # records' own signatures are at fault: EDE 10 keeps "Sign the zone", no DS is given.
    zone = Zone(257)
    fix = _dane02(IdleDsDns(zone, [zone.active, zone.other], 10)).fix
    assert fix.startswith(f"Sign the zone holding _25._tcp.{MX} (all its records)"), fix
    assert "The DS record to publish" not in fix
    # And expired signatures stay the signer's fault whatever the DS.
    fix = _dane02(IdleDsDns(zone, [zone.other], 7)).fix
    assert "find out why re-signing stopped" in fix and "The DS record to publish" not in fix


def test_dnssec09_of_the_same_zone_gives_the_same_advice() -> None:
    # The MX host's address records fail with its zone: DNSSEC-09 gave "Sign the zone holding
    # mx... (all its records)" beside DANE-02's DS advice. Both now name the DS.
    zone = Zone(257)
    ctx = CheckContext("example.org", CheckConfig(), dns=IdleDsDns(zone, [zone.other], 10))  # type: ignore[arg-type]
    idle = asyncio.run(dnssec.idle_ds_of_zone(ctx, MX))
    assert idle == (
        f"DNSKEY {zone.tag(zone.other)}, a key-signing key (flags 257)",
        zone.line(zone.ds(zone.active, 2)),
    )
    failed = DnsAnswer(MX, "A", "SERVFAIL", ede=[(10, "")])
    retry = DnsAnswer(MX, "A", "NOERROR", records=[], signed=True)
    host = mx.MxHost(MX, 10, answers=[failed], cd_answers=[retry], bogus_answers=[retry])
    out = Collector(dnssec.MECHANISM)
    dnssec._dnssec09(out, host, None, idle=idle)
    (found,) = out.findings
    assert found.status == Status.FAIL and found.fix is not None
    assert found.fix.startswith("Publish at the registrar the DS record given below"), found.fix
    assert found.fix.endswith(zone.line(zone.ds(zone.active, 2)))
    # The control: a zone whose DS carries the chain has nothing to name.
    ctx = CheckContext("example.org", CheckConfig(), dns=IdleDsDns(zone, [zone.active], 10))  # type: ignore[arg-type]
    assert asyncio.run(dnssec.idle_ds_of_zone(ctx, MX)) == ("", "")


# --- MTASTS-09 against a digest stored before the meaning digest ------------------------------

LEGACY_SHA = hashlib.sha256(POLICY.encode()).hexdigest()  # the bytes as served (CRLF)


class LegacyHistoryTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        now = timezone.now()
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=now, next_check_at=now
        )

    def stored_run(self, evidence: dict[str, Any]) -> None:
        finding = {"id": "MTASTS-20", "mechanism": "mta-sts", "status": "pass"}
        CheckRun.objects.create(
            domain=self.domain,
            status=CheckRun.Status.DONE,
            findings=[{**finding, "evidence": evidence}],
            mtasts_id=evidence["record_id"],
            mtasts_policy_sha256=evidence["policy_sha256"],
        )

    def mtasts09(self, body: str) -> list[Status]:
        previous = self.domain.mtasts_previous()
        with pytest.MonkeyPatch.context() as patch:
            return statuses(evaluate(patch, body=body, previous=previous), "MTASTS-09")

    def test_a_line_ending_change_against_a_bytes_digest_is_no_change(self) -> None:
        # A run before 5274937 stored the digest of the CRLF body and kept its lines; the
        # policy is now served with LF. Same id, same meaning: nothing to warn about.
        kept = "\n".join(mtasts.parse_policy(POLICY).lines[: mtasts.KEPT_POLICY_LINES])
        self.stored_run({"record_id": ID, "policy_sha256": LEGACY_SHA, "policy": kept})
        self.assertEqual(self.mtasts09(POLICY.replace("\r\n", "\n")), [])
        # A change of meaning under the same id still warns.
        changed = POLICY.replace("max_age: 604800", "max_age: 1209600")
        self.assertEqual(self.mtasts09(changed), [Status.WARN])

    def test_without_the_kept_text_the_stored_digest_is_compared_as_before(self) -> None:
        self.stored_run({"record_id": ID, "policy_sha256": LEGACY_SHA})
        self.assertEqual(self.domain.mtasts_previous(), (ID, LEGACY_SHA))
        self.assertEqual(self.mtasts09(POLICY), [])


# --- the wait for a slot under the connection cap is not the server's time --------------------


async def _held(ctx: CheckContext, seconds: float) -> asyncio.Task[None]:
    """Every slot of the run's cap (max_connections=1) taken for `seconds` by another probe,
    as in a busy batch."""
    taken = asyncio.Event()

    async def hold() -> None:
        async with ctx.connections:
            taken.set()
            await asyncio.sleep(seconds)

    task = asyncio.create_task(hold())
    await taken.wait()
    return task


def probe_after_waiting(tmp_path: Path, wait: float) -> starttls.SmtpProbe:
    """Probe an MX (timeout 0.5 s, one connection at a time) after waiting `wait` seconds
    for the run's only slot."""
    pki = Pki()
    tls = _server_context(tmp_path, [pki.leaf([SMTP_HOST]), pki.inter])
    bundle = pki.bundle(str(tmp_path / "ca.pem"))

    async def main() -> starttls.SmtpProbe:
        server = await aiosmtpd_server(tls)()
        try:
            config = _config(_port(server), bundle, timeout=0.5, max_connections=1)
            ctx = CheckContext("example.test", config)
            holder = await _held(ctx, wait)
            probe = await starttls.probe_mx(ctx, SMTP_HOST, ADDR)
            await holder
            return probe
        finally:
            server.close()

    return asyncio.run(main())


def test_a_starttls_probe_waiting_for_a_slot_still_asks_its_optional_questions(
    tmp_path: Path,
) -> None:
    # The TLS 1.2 question is asked while the probe has spent less than 4 timeouts (2 s
    # here). Waiting 2.5 s for a slot left it out ("could not be tested this time").
    probe = probe_after_waiting(tmp_path, 2.5)
    assert probe.tls_version == "TLSv1.3"
    assert probe.tls12_accepted is True
    assert probe.elapsed_ms < 2500  # the probe's own time, not the queue's


def fetch_after_waiting(tmp_path: Path, wait: float) -> https.HttpsResult:
    """Fetch the policy of a host that answers every name with its one certificate (timeout
    0.5 s, one connection at a time), asking without SNI too, after waiting `wait` seconds
    for the run's only slot."""
    server = SniServer(tmp_path, {}, default=["example.org", "www.example.org"])
    stub = StubDns({HOST: ["127.0.0.1"]})

    async def main() -> https.HttpsResult:
        config = stub.config(
            allow_private_targets=True,
            https_port=server.port,
            ca_bundle=server.ca_bundle,
            timeout=0.5,
            max_connections=1,
        )
        ctx = CheckContext("example.org", config)
        holder = await _held(ctx, wait)
        result = await https.fetch(ctx, mtasts.policy_url("example.org"), ask_without_sni=True)
        await holder
        return result

    try:
        return asyncio.run(main())
    finally:
        stub.close()
        server.close()


def test_an_https_fetch_waiting_for_a_slot_keeps_its_whole_time_budget(tmp_path: Path) -> None:
    # The policy host answers every name with its one certificate: the question without SNI
    # (MTASTS-13) is asked within what is left of the address's budget (1 s here). Waiting
    # 1.5 s for a slot had spent it: no question, MTASTS-12, and a fetch "taking" 1.5 s.
    result = fetch_after_waiting(tmp_path, 1.5)
    assert result.cert is not None and result.cert.same_without_sni is True
    assert "MTASTS-13" in problems(result) and "MTASTS-12" not in problems(result)
    assert result.address_ms < 1500
