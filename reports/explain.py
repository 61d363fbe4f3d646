"""Plain explanations of TLS-RPT result types (RFC 8460 §4.3), for the dashboard."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ResultType:
    name: str
    group: str
    meaning: str
    likely_cause: str

    def about(self, domain: str) -> ResultType:
        """The same explanation with the domain's own name for `<domain>`, for places that
        know it (an alert email about example.com says mta-sts.example.com)."""
        return replace(
            self,
            meaning=self.meaning.replace(DOMAIN_PLACEHOLDER, domain),
            likely_cause=self.likely_cause.replace(DOMAIN_PLACEHOLDER, domain),
        )


_TYPES = [
    ResultType(
        "starttls-not-supported",
        "TLS negotiation",
        "The receiving MX did not offer STARTTLS, so the sender could not encrypt.",
        "STARTTLS is off or broken on that MX, or something between the sender and the MX "
        "strips it from the EHLO answer.",
    ),
    ResultType(
        "certificate-host-mismatch",
        "TLS negotiation",
        "The MX's certificate does not name the host the sender connected to.",
        "The certificate lacks this MX host name (a new MX, or a certificate issued for "
        "another name), or the MTA-STS policy lists names the certificate does not cover.",
    ),
    ResultType(
        "certificate-expired",
        "TLS negotiation",
        "The MX presented a certificate past its expiry date.",
        "Certificate renewal failed or the MTA was not reloaded after renewal.",
    ),
    ResultType(
        "certificate-not-trusted",
        "TLS negotiation",
        "The MX's certificate does not chain to a CA the sender trusts.",
        "A self-signed or private-CA certificate, or a missing intermediate certificate in "
        "the chain the MX sends.",
    ),
    ResultType(
        "validation-failure",
        "TLS negotiation",
        "A general failure to validate the TLS session that fits no more specific type.",
        # RFC 8460 §4.3.3: with this type the reporter SHOULD give a failure-reason-code.
        "Often protocol or cipher incompatibility, or a failure the sender does not classify; "
        "the failure-reason-code the sender attached says which.",
    ),
    ResultType(
        "tlsa-invalid",
        "DANE",
        "None of the TLSA records published for the MX was valid for its certificate: "
        "none matched, or the records were unusable or malformed.",
        "The certificate or key changed without updating the TLSA records (a rollover done "
        "in the wrong order).",
    ),
    ResultType(
        "dnssec-invalid",
        "DANE",
        "DNSSEC validation of the MX or TLSA records failed.",
        "Expired signatures, a broken DS/DNSKEY chain after a key rollover, or a resolver "
        "problem on the sender's side.",
    ),
    ResultType(
        "dane-required",
        "DANE",
        "The sender requires DANE for this domain but found no usable TLSA records.",
        "TLSA records were removed or the zone lost its DNSSEC signatures while senders "
        "still expect DANE.",
    ),
    ResultType(
        "sts-policy-fetch-error",
        "MTA-STS",
        "The sender could not fetch the MTA-STS policy over HTTPS.",
        "mta-sts.<domain> does not resolve, does not answer on 443, or the policy URL "
        "returns an error (a bad certificate there is reported as sts-webpki-invalid).",
    ),
    ResultType(
        "sts-policy-invalid",
        "MTA-STS",
        "The MTA-STS policy was fetched but could not be read.",
        "A syntax error in the policy file, a wrong Content-Type, or a missing required line "
        "(version, mode, mx, max_age).",
    ),
    ResultType(
        "sts-webpki-invalid",
        "MTA-STS",
        # RFC 8460 §4.3.2.2: the *policy* could not be authenticated by PKIX validation, i.e.
        # the HTTPS certificate of mta-sts.<domain> (checks MTASTS-12/13). Some senders use the
        # type for an MX certificate failing MTA-STS too, so that stays as a second cause.
        "The sender could not authenticate the MTA-STS policy: the HTTPS certificate of the "
        "policy host mta-sts.<domain> failed Web PKI (PKIX) validation. Some senders also "
        "report this when an MX certificate fails the checks MTA-STS requires.",
        "The certificate of mta-sts.<domain> is expired, self-signed, lacks an intermediate "
        "certificate, or does not name mta-sts.<domain> (often a shared host's default "
        "certificate). Less often: an MX certificate that is expired, self-signed or does not "
        "match the policy's mx lines.",
    ),
]

RESULT_TYPES: dict[str, ResultType] = {t.name: t for t in _TYPES}

# What the explanations write in place of the domain's name when they do not know it.
DOMAIN_PLACEHOLDER = "<domain>"


def defined_type(name: str) -> str | None:
    """The RFC 8460 §4.3 type `name` is, or most likely is when written in other letters or
    separators ("CERTIFICATE-EXPIRED", "sts_policy_invalid"); None for any other name."""
    if name in RESULT_TYPES:
        return name
    close = re.sub(r"[\s_]+", "-", name.strip()).lower()
    return close if close in RESULT_TYPES else None


def explain(name: str) -> ResultType:
    """The explanation of a result type; unknown types (the list "is expected to grow",
    RFC 8460 §4.3) get a generic one that still says what to do. A defined type in other
    letters or separators ("CERTIFICATE-EXPIRED", "sts_policy_invalid") is still unknown as
    written (the parser keeps it as sent, RPT-10), but is explained as the type it most
    likely is."""
    known = RESULT_TYPES.get(name)
    if known:
        return known
    close = RESULT_TYPES.get(defined_type(name) or "")
    if close:
        return ResultType(
            name,
            "not in RFC 8460",
            f"Not a result type of RFC 8460 §4.3 as written, but most likely {close.name} "
            f"written differently: {close.meaning}",
            close.likely_cause,
        )
    return ResultType(
        name,
        "not in RFC 8460",
        "A result type not defined in RFC 8460 §4.3; the sender uses its own or a newer name.",
        "Read the failure-reason-code and additional-information the sender attached, or "
        "contact the reporting organisation.",
    )


# RFC 8460 §4.3.2.1: an sts entry's sessions failed because the sender got no valid policy.
POLICY_NOT_FETCHED = ("sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid")


def policy_meaning(
    policy_type: str, policy_domain: str, domain: str, failures: Collection[str] = ()
) -> str:
    """What a report's policy entry of this type (RFC 8460 §4.4 `policy-type`) says the sender
    did, in plain words naming its policy domain, for the report's page about `domain` (names
    in display form; task s48h: the page named the types bare, as the RFC writes them). "" for
    a type RFC 8460 does not define: the report's warnings say it is unknown (RPT-04).
    `failures`: the entry's result types; an sts entry failed for want of a policy
    (POLICY_NOT_FETCHED) applied none to those sessions (s48r6)."""
    policy_domain = policy_domain or domain
    unfetched = [t for t in POLICY_NOT_FETCHED if t in failures]
    if policy_type == "sts" and unfetched:
        return (
            f"The sender looked for the MTA-STS policy of {policy_domain} at "
            f"mta-sts.{policy_domain} (RFC 8461). A session failed as "
            f"{' or '.join(unfetched)} is one where it could not fetch the policy or read "
            "it: without a valid policy cached, a sender delivers the message as if "
            f"{policy_domain} had no MTA-STS, under either mode (RFC 8461 §3.3). A "
            "successful session was encrypted, to an MX host the policy lists, with a "
            "certificate valid for its name; a session failed otherwise was not: under mode "
            "enforce the sender did not deliver the message over that connection, under mode "
            "testing it delivered it all the same (RFC 8461 §5)."
        )
    if policy_type == "sts":
        return (
            f"The sender applied the MTA-STS policy of {policy_domain}, fetched from "
            f"mta-sts.{policy_domain} (RFC 8461): a successful session was encrypted, to an "
            "MX host the policy lists, with a certificate valid for its name. A failed one "
            "was not; under mode enforce the sender did not deliver the message over that "
            "connection, under mode testing it delivered it all the same (RFC 8461 §5)."
        )
    if policy_type == "tlsa":
        # RFC 8460 §1.1: for DANE the policy domain is the TLSA records' base domain, the MX
        # host's name (RFC 7672), not the domain the mail was for.
        host = f" Such an entry names the MX host, not {domain}." if policy_domain != domain else ""
        return (
            "The sender used DANE (RFC 7672): it checked the MX host's certificate against "
            f"the DNSSEC-signed TLSA records of {policy_domain} (quoted below, when the "
            "sender quoted them), and did not deliver the message over a connection that "
            f"failed.{host}"
        )
    if policy_type == "no-policy-found":
        return (
            "The sender found neither an MTA-STS policy nor DANE TLSA records for "
            f"{policy_domain}, so it used opportunistic TLS: nothing asked it to insist on "
            "encryption or to check certificates. A successful session negotiated TLS. A "
            "failed one negotiated TLS with a certificate the sender could not validate (a "
            "certificate failure type), or did not negotiate TLS, and its mail may then have "
            "gone in clear text: its failure type says which."
        )
    return ""
