"""Blind round s28x: MX prerequisites and DNSSEC as real domains have them (checklist §1, §7).

The blind rounds had covered MX-xx least (25 uses over 5 of 7 ids; MX-05 and MX-07 never) and
DNSSEC-xx next (35 uses; DNSSEC-06 never). Twenty-seven scenarios (tests/lab/scenarios/
s28x_*.toml, MX hosts on 127.0.171.10-.29, nothing listening on 127.0.173.x, SPF ranges on
127.0.171.0/24 and 127.0.174.0/24; BIMI host on 127.0.61.1; providers are zones
`s28xprov-<letter>.test`, `s28xlame-d.test` is delegated to name servers that do not exist)
each show a domain its owner runs: a null MX typed 'MX 10 .' beside a real MX, a retired brand
with a null MX and its DKIM key and BIMI record still published, an IP address typed as the MX
target without a final dot, an MX through a chain of two aliases and one aliased to the apex,
a backup aliased to a renamed provider host, MX hosts deleted or renamed, an MX at a provider
whose DNS is down, an MX naming the domain itself, no MX with a web server refusing port 25
(sending and not), an MX named with '_' and one typed as raw UTF-8, no MX on a zone with NSEC3
iterations; NSEC3 at 1, 100 and 101 iterations and with a 16-octet salt, RSASHA256 with NSEC,
RSASHA1 with a SHA-1 DS only, a BIND-era algorithm-7 zone, parked domains with NSEC3 iterations
or a SHA-1 DS, and offline-signed zones whose RRSIG expired on _dmarc, on the only MX host's
address or on a hand-added DKIM key (whose NSEC proves _mta-sts and _smtp._tls absent).

The expectations below were written from checklist §0, §1 and §7 and the RFCs (RFC 5321 §5.1,
RFC 7505, RFC 2181 §10.3, RFC 1035 §3.3.9, RFC 9276, RFC 8624, RFC 4035) before the engine ran
on any of them; each file's note gives the reasoning. Three planted wrong expectations (an
MX-01 warn on s28x-mxapex, a DNSSEC-03 warn on s28x-rsansec, MX-07 at warn on
s28x-underscore) failed the first run and were removed. Twenty-two read as written. Two
expectations were wrong and are corrected below with the reason (s28x-lameonly: the failed
TLSA lookup is DANE-02's; s28x-dmarcexp: the expired NSEC at _dmarc also denies the guessed
DKIM selectors). Three were the engine's fault and are mended (tests/test_engine_s28x.py):
MX-02 named 'MX 0 .' for a null MX published as 'MX 10 .' (s28x-nullpref10), an IP address
typed as MX target without its final dot got no MX-05 (s28x-iprel), and a given DKIM
selector's bogus key record got no DNSSEC-01 (s28x-dkimexp). Reading the texts then mended
MX-07 (the U-label typed as raw UTF-8 and '_': a reason and the MX to publish) and DNSSEC-06
('1 iterations'; a fail above 100 iterations claiming resolvers do what RFC 9276 says they
may); rows added after the run hold those words.

For each scenario: the check IDs at fail, at warn and at "could not check" (error) are exactly
`fail`, `warn` and `error`, and every row of `rows` names a finding with that check id and status
whose subject, summary, evidence or fix contains each of the given words.
"""

from __future__ import annotations

from tests.blind_lab import INFO, Blind, E, F, LabRound, P, W


def _d(label: str) -> str:
    return f"s28x-{label}.lab.test"


BLIND: list[Blind] = [
    # ---------------------------------------------------------------------------- MX
    # The fix must name the null MX as published ('MX 10 .'), or the owner looks for a record
    # that is not there. The run found it naming 'MX 0 .' (mended, tests/test_engine_s28x.py).
    Blind(
        "nullpref10",
        fail=frozenset({"MX-02"}),
        rows=(("MX-02", F, ("mx 10 .",)),),
    ),
    Blind(
        "nullbimi",
        warn=frozenset({"MX-03"}),
        rows=(("MX-03", W, ("s2048._domainkey." + _d("nullbimi"), "default._bimi")),),
    ),
    # The exchange is '127.0.173.12.<domain>': an IP address with the zone's name appended.
    # The run found no MX-05, only MX-06 'has no address' (mended, tests/test_engine_s28x.py).
    Blind(
        "iprel",
        fail=frozenset({"MX-05", "MX-06", "SMTP-01"}),
        rows=(
            ("MX-05", F, ("127.0.173.12", "a 127.0.173.12")),
            ("MX-06", F, ("127.0.173.12",)),
        ),
    ),
    Blind(
        "cnamechain",
        warn=frozenset({"MX-04"}),
        rows=(("MX-04", W, ("mail." + _d("cnamechain"), "mx 10 mx1." + _d("cnamechain") + ".")),),
    ),
    Blind(
        "cnamegone",
        warn=frozenset({"MX-04", "MX-06"}),
        rows=(
            ("MX-04", W, ("backup." + _d("cnamegone"), "mx.s28xprov-a.test", "does not exist")),
            ("MX-06", W, ("backup." + _d("cnamegone"),)),
        ),
    ),
    Blind(
        "somenx",
        warn=frozenset({"MX-06"}),
        rows=(
            ("MX-06", W, ("mx2." + _d("somenx"),)),
            ("MX-06", W, ("mx3.s28xprov-b.test",)),
        ),
    ),
    Blind(
        "allnx",
        fail=frozenset({"MX-06", "SMTP-01"}),
        rows=(
            ("MX-06", F, ("mail1." + _d("allnx"),)),
            ("MX-06", F, ("mail2." + _d("allnx"),)),
        ),
    ),
    # Corrected after the run (engine right): the TLSA lookup that fails is DANE-02's "could
    # not check" (checklist §8 2: TLSA RRset security, bogus or indeterminate), not DANE-01's.
    Blind(
        "lameonly",
        error=frozenset({"MX-04", "MX-06", "SMTP-01", "DANE-02", "DNSSEC-09"}),
        rows=(("MX-06", E, ("mx.s28xlame-d.test",)),),
    ),
    Blind(
        "mxapex",
        rows=(("MX-01", P, ()), ("MX-04", P, ()), ("MX-06", P, ())),
    ),
    Blind(
        "nomxsends",
        fail=frozenset({"SMTP-01"}),
        warn=frozenset({"MX-01"}),
        rows=(("MX-01", W, ("127.0.173.20", "refused", "bounces")),),
    ),
    Blind(
        "nomxparked",
        fail=frozenset({"SMTP-01"}),
        warn=frozenset({"MX-01"}),
        rows=(("MX-01", W, ("127.0.173.21", _d("nomxparked") + ". mx 0 .")),),
    ),
    Blind(
        "underscore",
        rows=(
            ("MX-07", INFO, ("mail_in." + _d("underscore"),)),
            ("MX-06", P, ()),
            # Added after the run: MX-07 read "The MX name <name> label 'mail_in' is not ...",
            # with no reason and no fix (mended, tests/test_engine_s28x.py).
            ("MX-07", INFO, ("'_'", "mta-sts", "mx 10 mail-in." + _d("underscore") + ".")),
        ),
    ),
    Blind(
        "utf8mx",
        warn=frozenset({"MX-06"}),
        rows=(
            ("MX-07", INFO, ("backup-m",)),
            ("MX-06", W, ("backup-m",)),
            # Added after the run: MX-07 showed the escaped bytes twice over and no fix
            # (mended: it names the U-label and gives the MX with its A-label).
            ("MX-07", INFO, ("'backup-münchen'", "mx 20 xn--backup-mnchen-3ob." + _d("utf8mx"))),
        ),
    ),
    Blind(
        "mxapexcname",
        warn=frozenset({"MX-04"}),
        rows=(("MX-04", W, ("mail." + _d("mxapexcname"), "mx 10 " + _d("mxapexcname") + ".")),),
    ),
    Blind(
        "implicititer",
        warn=frozenset({"MX-01", "DNSSEC-06"}),
        rows=(
            ("MX-01", W, ("mx 10 " + _d("implicititer") + ".",)),
            ("DNSSEC-06", W, ("5 iterations", "nsec3param 1 0 0 -")),
        ),
    ),
    # ------------------------------------------------------------------------ DNSSEC
    Blind(
        "nsec3one",
        warn=frozenset({"DNSSEC-06"}),
        # The second row was added after the run: it read "with 1 iterations" (mended).
        rows=(("DNSSEC-06", W, ("nsec3param 1 0 0 -",)), ("DNSSEC-06", W, ("1 iteration;",))),
    ),
    Blind(
        "nsec3at100",
        warn=frozenset({"DNSSEC-06"}),
        rows=(("DNSSEC-06", W, ("100 iterations",)), ("DNSSEC-07", P, ())),
    ),
    Blind(
        "nsec3at101",
        fail=frozenset({"DNSSEC-06"}),
        rows=(
            ("DNSSEC-06", F, ("101 iterations", "nsec3param 1 0 0 -")),
            ("DNSSEC-07", P, ()),
            # Added after the run: the fail said resolvers "treat such zones as insecure or
            # bogus" while the lab's validated its denials; RFC 9276 §3.2 says they may (mended).
            ("DNSSEC-06", F, ("may treat",)),
        ),
    ),
    Blind(
        "nsec3salt16",
        warn=frozenset({"DNSSEC-06"}),
        rows=(("DNSSEC-06", W, ("salt", "nsec3param 1 0 0 -")),),
    ),
    Blind(
        "rsansec",
        rows=(("DNSSEC-03", P, ("rsasha256",)), ("DNSSEC-06", P, ("nsec",))),
    ),
    Blind(
        "rsasha1csk",
        warn=frozenset({"DNSSEC-03", "DNSSEC-04"}),
        rows=(("DNSSEC-03", W, ("rsasha1",)), ("DNSSEC-04", W, ("sha-1",))),
    ),
    Blind(
        "alg7old",
        warn=frozenset({"DNSSEC-03", "DNSSEC-06"}),
        rows=(
            ("DNSSEC-03", W, ("rsasha1-nsec3-sha1",)),
            ("DNSSEC-06", W, ("10 iterations", "salt")),
            ("DNSSEC-04", INFO, ("sha-1",)),
        ),
    ),
    Blind(
        "nullnsec3",
        warn=frozenset({"DNSSEC-06"}),
        rows=(("MX-03", INFO, ()), ("DNSSEC-06", W, ("10 iterations", "salt"))),
    ),
    Blind(
        "nullds1",
        warn=frozenset({"DNSSEC-04"}),
        rows=(("MX-03", INFO, ()), ("DNSSEC-04", W, ("sha-1",))),
    ),
    # Corrected after the run (engine right): the expired NSEC at _dmarc also proves that no
    # wildcard '*._domainkey' exists (it sorts between _dmarc and s2048._domainkey), so every
    # common selector the engine tries besides the given one gets a bogus denial: DKIM-01
    # "could not look up" for those (the given s2048 key validates and passes).
    Blind(
        "dmarcexp",
        fail=frozenset({"DNSSEC-01"}),
        error=frozenset({"DMARC-01", "DKIM-01"}),
        rows=(("DNSSEC-01", F, ("_dmarc." + _d("dmarcexp"),)),),
    ),
    Blind(
        "mxaddrexp",
        fail=frozenset({"MX-06", "DNSSEC-09", "DNSSEC-07", "DANE-02", "SMTP-01"}),
        rows=(
            ("MX-06", F, ("mx1." + _d("mxaddrexp"), "bogus")),
            ("DNSSEC-09", F, ("mx1." + _d("mxaddrexp"),)),
        ),
    ),
    # The run found no DNSSEC-01 for the bogus key (only DKIM-01 "could not look up"); mended
    # (tests/test_engine_s28x.py), the last row added for its words.
    Blind(
        "dkimexp",
        fail=frozenset({"DNSSEC-01", "DNSSEC-07"}),
        error=frozenset({"DKIM-01", "MTASTS-01", "TLSRPT-01"}),
        rows=(
            ("DNSSEC-01", F, ("s2048._domainkey." + _d("dkimexp"),)),
            ("DNSSEC-07", F, ("_mta-sts." + _d("dkimexp"),)),
            ("DNSSEC-07", F, ("_smtp._tls." + _d("dkimexp"),)),
            ("DNSSEC-01", F, ("dkim key", "selector 's2048'")),
        ),
    ),
]


# Where the blind run found the engine wrong and the fix is not made yet: the reason, and the
# check IDs at fail and at warn the engine gives today (see tests/blind_lab.py).
ENGINE_GAPS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

ROUND = LabRound("s28x", BLIND, ENGINE_GAPS)


def test_the_set_is_complete_and_loads() -> None:
    assert len(BLIND) == 27
    ROUND.assert_complete(_d, ("127.0.171.",))


# ------------------------------------------------------------------ the blind run
test_s28x_scenario_reads_as_expected = ROUND.reading_test()
