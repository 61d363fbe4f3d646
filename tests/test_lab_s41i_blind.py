"""Blind round s41i: STARTTLS certificates and dialogues on MX hosts no earlier round listed
(checklist §2 MTASTS-30/-32/-36, §9 SMTP-02/-03/-04/-07/-09/-10/-11/-14, §11.6; RFC 8461 §4.1,
§4.2, §7.2, RFC 9525 §6, RFC 5280 §6, RFC 8446 §4.4.2, RFC 5321 §4.2.1, RFC 3207 §4).

Measured before the round (files under tests/ naming the id, grep -rlw over tests/, 2026-12-04
23:50 UTC): SMTP-14 22, MTASTS-36 27, SMTP-13 29, SMTP-16 29, SMTP-02 35, SMTP-07 37, SMTP-04
39, SMTP-03 43, SMTP-10 82, SMTP-09 102, SMTP-11 106. Fifteen zones
(tests/lab/scenarios/s41i_*.toml, MX hosts on 127.0.243.10-.25, the policy host on
127.0.243.1; 127.0.243.x reserved): a certificate with the MX name in its CN only and no SAN,
'*.<d>' for mx.<d> and for a.b.<d> (under a policy pattern '*.b.<d>'), a partial-label
wildcard 'w*.<d>', an iPAddress SAN only, a leaf not yet valid (no policy), five days left,
a leaf sent without its intermediate under testing, the chain out of order on a TLS 1.2-only
server, an RSA-1024 leaf (no policy), a SHA-1-signed leaf, a two-line 220 greeting, no
STARTTLS under testing, a backup MX answering STARTTLS with 454, and a server speaking TLS 1.0
and 1.1 only.

Not expressible with the lab (no knob; left): a leaf violating a name constraint of its
intermediate (the lab CAs carry none). A server demanding a client certificate needed a knob:
the second batch (clientcert, 127.0.243.26) adds `client_cert = true` to [[smtp]] rows. Its
expectations (committed in 8dc1eb2e) held as written on the first run; its planted row
(SMTP-04 at warn: under enforce a handshake no sender completes fails) failed on its row alone
and is removed. The engine says the TLS 1.3 handshake completed and the server then closed the
connection, which is what the lab shows (asyncio drops the certificate_required alert, see
tests/lab/README.md); whether it names that alert from a real MTA was not tested.

The expectations below were written from the checklist and the RFCs before the engine ran on
any of them (committed in 9cb44ca1); each scenario file's note gives the reasoning. Three rows
were planted wrong and each failed the runs on its row alone: SMTP-11 at fail for '*.<d>'
presented by mx.<d> (RFC 9525 §6.3: it matches), SMTP-10 at fail for five days left
(checklist SMTP-10: warn below 14 days), SMTP-02 at warn for a two-line 220 greeting (RFC 5321
§4.2.1 allows it); they are removed.

The first run (HEAD 2aae9887, under the lab lock): ten of the fifteen read as written (banner2
failing on its planted row alone), and three more (wildone, exp5d, rootfirst12) on every
status, their rows asking MTASTS-32's pass to name the MX host, where it is one finding for
the domain (rows mine, corrected). Two
expectations were mine to correct, with the reason at their rows: leafonly (under testing,
SMTP-09 warns: senders report and deliver, RFC 8461 §5, docs/scoring.md v7) and sha1leaf
(SMTP-09 fails beside SMTP-14: OpenSSL 3 rejects a SHA-1 signature from security level 1,
docs/scoring.md v5). No status was wrong. One wording fault, mended with
tests/test_engine_s41i.py (docs/scoring.md v7 line): on ipsan SMTP-11 and MTASTS-32 said the
certificate names no subjectAltName DNS name and not that it names the MX's IP address, which
senders never match against a host name (RFC 8461 §4.2). Read and left: rsa1024's SMTP-14
says validating senders refuse an RSA-1024 key at OpenSSL's default security level while
SMTP-09 passes (the reading s18s-rsa1024 settled: MTASTS-32 fails under enforce, SMTP-09
does not); ipsan's fix keeps the general '(a wildcard covers only one label)' aside.

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and
status whose subject, summary, evidence or fix contains each of the given words
(case-insensitive).
"""

from __future__ import annotations

import smtplib
import ssl
from typing import Any

import pytest

from tests.blind_lab import Blind, F, LabRound, P, W


def _d(label: str) -> str:
    return f"s41i-{label}.lab.test"


def _h(host: str, label: str) -> str:
    return f"{host}.{_d(label)}"


BLIND: list[Blind] = [
    # ------------------------------------------------------------ names (SMTP-11)
    Blind(
        "cnonly",
        fail=frozenset({"SMTP-11", "MTASTS-32"}),
        rows=(
            ("SMTP-11", F, (_h("mx1", "cnonly"),)),
            ("MTASTS-32", F, (_h("mx1", "cnonly"),)),
        ),
    ),
    Blind(
        "wildone",
        rows=(
            ("SMTP-11", P, (_h("mx", "wildone"),)),
            # Corrected after the run (row mine): MTASTS-32 passes once, for the domain,
            # not per host.
            ("MTASTS-32", P, (_d("wildone"),)),
        ),
    ),
    Blind(
        "wilddeep",
        fail=frozenset({"SMTP-11", "MTASTS-32"}),
        rows=(
            ("SMTP-11", F, (_h("a.b", "wilddeep"),)),
            ("MTASTS-30", P, (_h("a.b", "wilddeep"),)),
        ),
    ),
    Blind(
        "wildpartial",
        fail=frozenset({"SMTP-11", "MTASTS-32"}),
        rows=(("SMTP-11", F, (_h("w1", "wildpartial"),)),),
    ),
    Blind(
        "ipsan",
        fail=frozenset({"SMTP-11", "MTASTS-32"}),
        rows=(
            ("SMTP-11", F, (_h("mx1", "ipsan"),)),
            # Added after the run and its fix (tests/test_engine_s41i.py): SMTP-11 said only
            # that the certificate names no subjectAltName DNS name, not the address it names.
            ("SMTP-11", F, ("only the IP address 127.0.243.14", "RFC 8461 §4.2")),
            ("MTASTS-32", F, (_h("mx1", "ipsan"), "only the IP address 127.0.243.14")),
        ),
    ),
    # ------------------------------------------------------------ dates (SMTP-10)
    Blind(
        "notyet",
        fail=frozenset({"SMTP-10"}),
        rows=(("SMTP-10", F, (_h("mx1", "notyet"),)),),
    ),
    Blind(
        "exp5d",
        warn=frozenset({"SMTP-10"}),
        rows=(
            ("SMTP-10", W, (_h("mx1", "exp5d"),)),
            # Corrected after the run (row mine): MTASTS-32 passes once, for the domain,
            # not per host.
            ("MTASTS-32", P, (_d("exp5d"),)),
        ),
    ),
    # ------------------------------------------------------------ chain and key (SMTP-09, -14)
    Blind(
        "leafonly",
        # Corrected after the run (expectation mine): I read checklist SMTP-09's "fail under
        # MTA-STS" as any policy; under testing senders report and still deliver (RFC 8461 §5),
        # so SMTP-09 warns as MTASTS-32 does (docs/scoring.md v7).
        warn=frozenset({"SMTP-09", "MTASTS-32"}),
        rows=(("SMTP-09", W, (_h("mx1", "leafonly"), "testing")),),
    ),
    Blind(
        "rootfirst12",
        rows=(
            ("SMTP-09", P, (_h("mx1", "rootfirst12"),)),
            # Corrected after the run (row mine): MTASTS-32 passes once, for the domain,
            # not per host.
            ("MTASTS-32", P, (_d("rootfirst12"),)),
        ),
    ),
    Blind(
        "rsa1024",
        fail=frozenset({"SMTP-14"}),
        rows=(("SMTP-14", F, (_h("mx1", "rsa1024"), "1024")),),
    ),
    Blind(
        "sha1leaf",
        # Corrected after the run (expectation mine): SMTP-09 fails too. A SHA-1 certificate
        # signature fails path validation in OpenSSL 3 from security level 1 (and in Go and
        # cryptography), so an MTA-STS sender finds no valid chain (docs/scoring.md v5; s18s-sha1
        # reads so without a policy, at warn).
        fail=frozenset({"SMTP-09", "SMTP-14", "MTASTS-32"}),
        rows=(("SMTP-14", F, (_h("mx1", "sha1leaf"), "SHA-1")),),
    ),
    # ------------------------------------------------------------ dialogue (SMTP-02, -03, -04, -07)
    Blind(
        "banner2",
        rows=(("SMTP-02", P, (_h("mx1", "banner2"),)),),
    ),
    Blind(
        "nostarttlstest",
        warn=frozenset({"SMTP-03", "MTASTS-32"}),
        rows=(("SMTP-03", W, (_h("mx1", "nostarttlstest"),)),),
    ),
    Blind(
        "tls454backup",
        fail=frozenset({"SMTP-04", "MTASTS-32"}),
        rows=(
            ("SMTP-04", F, (_h("mx2", "tls454backup"), "454")),
            ("MTASTS-32", F, (_h("mx2", "tls454backup"),)),
        ),
    ),
    # Second batch (written before it ran; needed the lab's new client_cert knob).
    Blind(
        "clientcert",
        fail=frozenset({"SMTP-04", "MTASTS-32"}),
        rows=(
            ("SMTP-04", F, (_h("mx1", "clientcert"),)),
            ("MTASTS-32", F, (_h("mx1", "clientcert"),)),
        ),
    ),
    Blind(
        "tls11max",
        fail=frozenset({"SMTP-07", "MTASTS-36"}),
        rows=(("SMTP-07", F, (_h("mx1", "tls11max"),)),),
    ),
]

# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s41i", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 16
    ROUND.assert_complete(_d, ("127.0.243.",), under=False)


# ------------------------------------------------------------------ the blind run
test_s41i_scenario_reads_as_expected = ROUND.reading_test()


@pytest.mark.lab
def test_s41i_client_cert_host_ends_a_handshake_without_one(lab: Any) -> None:
    # The lab knob itself (client_cert): STARTTLS is offered and answered 220, and a client
    # that sends no certificate gets no TLS session (TLS 1.3: the alert comes after its
    # Finished, so the first read inside TLS fails).
    host = _h("mx1", "clientcert")
    context = ssl.create_default_context(cafile=lab.ca_bundle)
    with smtplib.SMTP("127.0.243.26", 25, local_hostname="probe.lab.test", timeout=10) as smtp:
        assert smtp.ehlo()[0] == 250 and smtp.has_extn("starttls")
        with pytest.raises((ssl.SSLError, smtplib.SMTPServerDisconnected, ConnectionError)):
            smtp._host = host  # SNI and name check: the MX name, as senders use
            smtp.starttls(context=context)
            smtp.ehlo()
