"""Plain explanations of each mechanism, shown on the domain page next to its verdict."""

from __future__ import annotations

EXPLANATIONS = {
    "mx": "MX records name the servers that receive mail for the domain. Every other transport "
    "check starts from them.",
    "mta-sts": "MTA-STS tells sending servers to insist on an encrypted, authenticated "
    "connection to your MX hosts, so an attacker on the path cannot strip STARTTLS. It needs a "
    "TXT record at _mta-sts and a policy file served over HTTPS at mta-sts.<domain>.",
    "tls-rpt": "TLS reporting asks senders to send you a daily report of connections that failed "
    "TLS, so you hear about certificate or policy problems before mail bounces.",
    "smtp": "Each MX host should offer STARTTLS with a valid certificate for its name and modern "
    "TLS versions; otherwise mail travels in clear text or cannot be verified.",
    "spf": "SPF lists the servers allowed to send mail for the domain, so receivers can reject "
    "forged senders.",
    "dkim": "DKIM signs outgoing mail with a key published in DNS. Selectors cannot be listed "
    "from DNS, so add yours below if we don't find them.",
    "dmarc": "DMARC tells receivers what to do with mail that fails SPF and DKIM alignment, and "
    "where to send aggregate reports.",
    "dnssec": "DNSSEC signs the domain's DNS answers, so resolvers can detect forged records. "
    "DANE depends on it.",
    "dane": "DANE publishes the MX hosts' certificate fingerprints in DNSSEC-signed TLSA "
    "records, letting senders authenticate your servers without a CA. Many hosted mail "
    "providers can't offer it; that is not held against you.",
    "bimi": "BIMI lets mailbox providers show your logo next to authenticated mail. It is "
    "branding, not transport security, and is never scored.",
}

VERDICTS = {
    "pass": "Good",
    "info": "Note",
    "warn": "Needs attention",
    "fail": "Failing",
    "error": "Could not check",
    "na": "Does not apply",
}


def explain(mechanism: str) -> str:
    return EXPLANATIONS.get(mechanism, "")


def verdict_label(status: str) -> str:
    return VERDICTS.get(status, status)
