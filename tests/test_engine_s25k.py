"""s25k: engine leftovers in the DKIM and MTA-STS texts.

1. A DKIM key record with a stray quote after the key and then a ';' ('v=DKIM1; p=KEY";'), or
   quotes around one value ('p="KEY"'): it read as DKIM-06 "p= is not valid base64 (a truncated
   or mangled key?)"; the quote is now named (DKIM-03, fail as before) and the fix is the record
   without it. s24j named only a quote that was the record's very last character.
1b. The same quote after an MTA-STS id ('v=STSv1; id=20260601T0000"'): MTASTS-05 said only "is
   not only letters and digits"; it names the quote (fail as before).
2. A record with one quote ("'v=spf1 ...", "'v=DMARC1; ..."): named in the singular ("a quote
   typed with the record", "retype it without the quote"), and an apostrophe shown as "'"
   rather than "'''".
3. MTASTS-11 (could not check) for a policy host with one address the SSRF guard refused and one
   that timed out: it gave the first address's error only ("10.1.2.3 is a private, loopback,
   link-local or reserved address; refused", or the timeout without the private address); it now
   says what happened at each. Status unchanged (error).
5. BIMI-09/BIMI-10 for a redirecting l= or a= URL said "mailbox providers do not follow
   redirects for BIMI files", which neither checklist §10 nor the BIMI draft says (Mail::BIMI
   follows them); it says what the draft says. Status unchanged (fail).
(4, MTASTS-18: the engine matches the checklist's rule, info only; nothing changed.)
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from checks import bimi, dkim, dmarc, https, mtasts, net, spf, tlsrpt
from checks.config import CheckConfig
from checks.findings import Finding, Status
from checks.lookalike import unquoted
from tests.test_bimi import CERT, LOGO
from tests.test_bimi_s12_wording import NEW_CERT, NEW_LOGO, moved, only, run
from tests.test_fix_texts import BASE, SERVED, D, findings_for
from tests.test_mtasts import URL, evaluate

ED25519 = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
RSA_KEY = base64.b64encode(
    rsa.generate_private_key(65537, 2048)
    .public_key()
    .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
).decode()
KEY_NAME = f"s1._domainkey.{D}"


def _bad(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.status in (Status.FAIL, Status.WARN)]


def _key_findings(record: str) -> list[Finding]:
    zone = {**BASE, (KEY_NAME, "TXT"): [record]}
    return findings_for(D, zone, SERVED, selectors=("s1",), modules=(dkim,))


def _published(fix: str) -> str:
    """The record a one-line TXT fix publishes, its strings joined."""
    return fix.split(" TXT ", 1)[1].replace('" "', "").strip('"')


# --- 1. DKIM: a stray quote after the key, before a ';' --------------------------------------


@pytest.mark.parametrize(
    ("record", "quote"),
    [
        (f'v=DKIM1; k=rsa; p={RSA_KEY}";', "'\"'"),
        (f'v=DKIM1; k=rsa; p={RSA_KEY}" ;  ', "'\"'"),
        (f'v=DKIM1; k=rsa; p={RSA_KEY}\\";', "'\\\"'"),
        (f"v=DKIM1; k=rsa; p={RSA_KEY}';", '"\'"'),
        (f'v=DKIM1; k=ed25519; p={ED25519}";', "'\"'"),
    ],
)
def test_a_stray_quote_before_the_last_semicolon_is_named(record: str, quote: str) -> None:
    (finding,) = _bad(_key_findings(record))
    assert finding.id == "DKIM-03" and finding.status == Status.FAIL  # fail, as DKIM-06 was
    assert "not valid base64" not in finding.summary
    assert f"The key record ends with a quote ({quote} at the end, before its last ';')" in (
        finding.summary
    )
    assert "which the DNS panel kept as part of its text" in finding.summary
    assert "the end of p=" in finding.summary
    key = ED25519 if "ed25519" in record else RSA_KEY
    kind = "ed25519" if "ed25519" in record else "rsa"
    # The record without the quote, not "copy the public key again".
    assert _published(finding.fix) == f"v=DKIM1; k={kind}; p={key}"


def test_the_form_without_a_semicolon_keeps_its_words() -> None:
    (finding,) = _bad(_key_findings(f'v=DKIM1; k=rsa; p={RSA_KEY}" '))
    assert "The key record ends with a quote ('\"' at the end): a quote typed" in finding.summary
    assert "before its last" not in finding.summary


def test_a_quote_after_the_key_inside_the_record_is_named() -> None:
    (finding,) = _bad(_key_findings(f'v=DKIM1; p={RSA_KEY}"; t=s'))
    assert finding.id == "DKIM-03" and finding.status == Status.FAIL
    assert (
        "The value of p= is written with a quote ('\"' at the end), and a quote is no part of it"
        in finding.summary
    )
    assert finding.summary.endswith("Retype the record without the quote.")
    assert _published(finding.fix) == f"v=DKIM1; p={RSA_KEY}; t=s"


def test_quotes_around_the_key_are_named() -> None:
    (finding,) = _bad(_key_findings(f'v=DKIM1; k=rsa; p="{RSA_KEY}"'))
    assert finding.id == "DKIM-03" and finding.status == Status.FAIL
    assert "between quotes ('\"' at the start and '\"' at the end), and quotes are" in (
        finding.summary
    )
    assert f"'\"{RSA_KEY[:7]}...{RSA_KEY[-7:]}\"'" in finding.summary
    assert finding.summary.endswith("Retype the record without them.")
    assert _published(finding.fix) == f"v=DKIM1; k=rsa; p={RSA_KEY}"


def test_a_quoted_note_and_a_good_key_stay_as_they_were() -> None:
    # A note may hold quotes: nothing to name, and the key is good.
    assert not _bad(_key_findings(f'v=DKIM1; k=ed25519; n="our key"; p={ED25519}'))
    # Beside a quote after the key, the note keeps its quotes in the fix.
    (finding,) = _bad(_key_findings(f'v=DKIM1; k=ed25519; n="our key"; p={ED25519}";'))
    assert finding.id == "DKIM-03" and "the end of p=" in finding.summary
    assert 'n=\\"our key\\"' in finding.fix and f"p={ED25519}" + '"' in finding.fix
    # A key that does not decode for another reason is still DKIM-06.
    (broken,) = _bad(_key_findings("v=DKIM1; k=rsa; p=MIIB!!;"))
    assert broken.id == "DKIM-06"


# --- 2. one quote is named as one --------------------------------------------------------------


def test_one_quote_is_singular_and_two_plural() -> None:
    one = unquoted("'v=spf1 -all")
    assert one is not None and one.count == 1 and one.them == "the quote"
    assert one.whose.startswith("a quote typed with the record")
    assert one.quotes == '"\'" at the start'  # not "''' at the start"
    assert unquoted('\\"v=spf1 -all').count == 1  # type: ignore[union-attr]  # one escaped quote
    two = unquoted('"v=spf1 -all"')
    assert two is not None and two.count == 2 and two.them == "them"
    assert two.whose.startswith("quotes typed with the record")
    curly = unquoted("\u201cv=spf1 -all")
    assert curly is not None and curly.whose == (
        "a word processor's typographic quote, which no record has"
    )


@pytest.mark.parametrize(
    ("module", "name", "record", "finding_id"),
    [
        (spf, D, "'v=spf1 mx -all", "SPF-02"),
        (dmarc, f"_dmarc.{D}", f"'v=DMARC1; p=reject; rua=mailto:dmarc@{D}", "DMARC-03"),
        (tlsrpt, f"_smtp._tls.{D}", f"'v=TLSRPTv1; rua=mailto:tls@{D}", "TLSRPT-04"),
        (mtasts, f"_mta-sts.{D}", "'v=STSv1; id=20260601T0000", "MTASTS-04"),
        (dkim, KEY_NAME, f"'v=DKIM1; k=ed25519; p={ED25519}", "DKIM-03"),
        (bimi, f"default._bimi.{D}", f"'v=BIMI1; l=https://{D}/logo.svg", "BIMI-02"),
    ],
)
def test_a_record_with_one_leading_quote_says_a_quote(
    module: object, name: str, record: str, finding_id: str
) -> None:
    zone = {**BASE, (name, "TXT"): [record]}
    found = findings_for(D, zone, SERVED, selectors=("s1",), modules=(module,))
    (finding,) = [f for f in _bad(found) if f.id == finding_id]
    assert finding.status == Status.FAIL  # as before
    text = finding.summary
    assert 'written with a quote ("\'" at the start): a quote typed with the record' in text
    assert "quotes typed" not in text and "without them" not in text
    assert "without the quote" in text


def test_a_record_between_two_quotes_keeps_the_plural() -> None:
    zone = {**BASE, (D, "TXT"): ["'v=spf1 mx -all'"]}
    (finding,) = [f for f in _bad(findings_for(D, zone, SERVED, modules=(spf,)))]
    assert 'between quotes ("\'" at the start and "\'" at the end): quotes typed' in (
        finding.summary
    )
    assert "retype it without them" in finding.summary


# --- 3. MTASTS-11: one address refused by the SSRF guard, another timed out ------------------


def _refused(address: str) -> https.AddressOutcome:
    """What https.fetch records for an address the SSRF guard refuses (no connection made)."""
    with pytest.raises(net.TargetRefused) as refused:
        net.guard(address, CheckConfig())
    return https.AddressOutcome(address, False, str(refused.value), "refused-target")


def _timed_out(address: str) -> https.AddressOutcome:
    return https.AddressOutcome(address, False, "no complete answer within 10 s", "timeout")


def _fetched(per: list[https.AddressOutcome]) -> https.HttpsResult:
    """The failed fetch https.fetch builds: it describes the address https._choose picks."""
    chosen = per[https._choose(per)]
    return https.HttpsResult(
        url=URL,
        host="mta-sts.example.org",
        per_address=per,
        error_kind=chosen.error_kind,
        error=chosen.error,
    )


@pytest.mark.parametrize(
    "per",
    [
        [_refused("10.1.2.3"), _timed_out("192.0.2.13")],
        [_timed_out("192.0.2.13"), _refused("10.1.2.3")],
    ],
)
def test_mtasts11_says_which_address_timed_out_and_which_was_not_tried(
    monkeypatch: pytest.MonkeyPatch, per: list[https.AddressOutcome]
) -> None:
    (finding,) = [f for f in evaluate(monkeypatch, fetched=_fetched(per)) if f.id == "MTASTS-11"]
    assert finding.status == Status.ERROR  # could not check, as before
    assert finding.summary.startswith(
        "Could not check the policy host mta-sts.example.org (192.0.2.13: no complete answer "
        "within 10 s). It also resolves to the private address 10.1.2.3; it is not a public "
        "address, so mailsec did not connect to it, and no sender on the internet can reach it "
        "either."
    )
    assert "private, loopback, link-local or reserved address; refused" not in finding.summary


def test_mtasts11_names_each_failure_and_keeps_the_texts_of_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_route = https.AddressOutcome(
        "2001:db8::13", False, "this checker has no IPv6 route (unreachable)", "no-route"
    )
    per = [_timed_out("192.0.2.13"), no_route, _refused("::1")]
    (finding,) = [f for f in evaluate(monkeypatch, fetched=_fetched(per)) if f.id == "MTASTS-11"]
    assert finding.status == Status.ERROR
    assert (
        "(192.0.2.13: no complete answer within 10 s; 2001:db8::13: this checker has no IPv6 "
        "route (unreachable)). It also resolves to the loopback address ::1;"
    ) in finding.summary
    # Two addresses that failed alike, or one only: the words of before, naming the
    # address(es) since s48h.
    (same,) = [
        f
        for f in evaluate(monkeypatch, fetched=_fetched([_timed_out("192.0.2.13")]))
        if f.id == "MTASTS-11"
    ]
    assert same.summary.startswith(
        "Could not check the policy host mta-sts.example.org at 192.0.2.13: no complete answer "
        "within 10 s."
    )  # then that senders may wait longer (s33q)
    (private,) = [
        f
        for f in evaluate(monkeypatch, fetched=_fetched([_refused("10.1.2.3")]))
        if f.id == "MTASTS-11"
    ]
    assert private.summary.endswith(
        "it resolves only to the private address 10.1.2.3; it is not a public address, so "
        "mailsec did not connect to it, and no sender on the internet can reach it either."
    )


# --- 5. BIMI: a redirecting logo or mark certificate URL -------------------------------------


@pytest.mark.parametrize(("tag", "file"), [("l=", "SVG file"), ("a=", "PEM file")])
def test_a_bimi_redirect_says_what_the_draft_says_not_what_every_receiver_does(
    tag: str, file: str
) -> None:
    # Checklist §10 and the BIMI draft say nothing of redirects; Mail::BIMI follows them. A
    # receiver that does not is still compliant and finds no file: fail, as before.
    url = LOGO if tag == "l=" else CERT
    target = NEW_LOGO if tag == "l=" else NEW_CERT
    found = run(f"v=BIMI1; l={LOGO}; a={CERT}", {url: moved(301, target)})
    finding = only(found, "BIMI-09" if tag == "l=" else "BIMI-10")
    assert "mailbox providers do not follow redirects" not in finding.summary
    assert (
        f"the BIMI draft has receivers fetch the {file} from the URL in {tag} and does not ask "
        f"them to follow redirects, and receivers that do not follow redirects find no {file} "
        "there."
    ) in finding.summary
    assert f"{tag[0]}={target}" in finding.fix  # the record naming the target, as before


# --- 1b. MTA-STS: the same stray quote after the id -------------------------------------------


@pytest.mark.parametrize(
    ("record", "how"),
    [
        ('v=STSv1; id=20260601T0000"', "written with a quote ('\"' at the end): a quote typed"),
        ('v=STSv1; id=20260601T0000";', "written with a quote ('\"' at the end): a quote typed"),
        ("v=STSv1; id=20260601T0000' ;", 'written with a quote ("\'" at the end): a quote typed'),
        ('v=STSv1; id="20260601T0000"', "written between quotes ('\"' at the start and"),
    ],
)
def test_a_quote_around_the_mta_sts_id_is_named(record: str, how: str) -> None:
    parsed = mtasts.parse_sts_record(record.encode())
    (problem,) = parsed.problems
    assert (problem.check_id, problem.status) == ("MTASTS-05", Status.FAIL)  # as before
    assert "is not only letters and digits; RFC" not in problem.message
    assert how in problem.message
    assert "senders discard the record. Retype the record without" in problem.message
    assert parsed.id is None and not parsed.valid  # still discarded
    zone = {**BASE, (f"_mta-sts.{D}", "TXT"): [record]}
    (finding,) = [
        f for f in findings_for(D, zone, SERVED, modules=(mtasts,)) if f.id == "MTASTS-05"
    ]
    assert finding.summary == problem.message
    assert _published(finding.fix).startswith("v=STSv1; id=")  # a record with a valid id


def test_an_id_that_is_wrong_without_its_quote_too_reads_as_before() -> None:
    (problem,) = mtasts.parse_sts_record(b'v=STSv1; id=2026-06-01"').problems
    assert problem.message.startswith("The id '2026-06-01\"' is not only letters and digits;")
