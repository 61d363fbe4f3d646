"""Turning what a person typed into a domain we may check."""

from __future__ import annotations

import functools
import html
import ipaddress
import re
import unicodedata

from publicsuffixlist import PublicSuffixList


class DomainNameError(ValueError):
    pass


@functools.cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


@functools.cache
def _icann_psl() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True)


def is_public_suffix(
    name: str, extra_public_suffixes: tuple[str, ...] = (), *, icann_only: bool = False
) -> bool:
    """Whether `name` is on the Public Suffix List (or among the extra suffixes).

    icann_only leaves out the list's private section: github.io and dyndns.org are suffixes
    their owners' customers register under, but they are also domains those companies own.
    """
    name = name.lower().rstrip(".")
    if name in extra_public_suffixes:
        return True
    return (_icann_psl() if icann_only else _psl()).is_public(name)


# Names the public DNS will never hold (IANA's Special-Use Domain Names registry, RFC 6761 §6
# and later entries, and ICANN's .internal): nobody can publish a record under them that the
# internet sees, and looking them up from our servers would ask our own network instead. Each
# reason completes "names under …".
SPECIAL_USE_SUFFIXES: dict[str, str] = {
    "local": ".local are for devices on one local network (multicast DNS, RFC 6762)",
    "localhost": ".localhost always mean the computer itself (RFC 6761)",
    "invalid": ".invalid are reserved never to exist (RFC 6761)",
    "example": ".example are reserved for examples in documentation (RFC 6761)",
    "test": ".test are reserved for testing (RFC 6761)",
    "onion": ".onion are Tor onion services, reached through Tor only (RFC 7686)",
    "home.arpa": "home.arpa are for home networks (RFC 8375)",
    "alt": ".alt belong to naming systems other than the DNS (RFC 9476)",
    "internal": ".internal are reserved by ICANN for private networks",
}


def all_digit_last_label(name: str) -> str | None:
    """The last label of the A-label `name` when it is all digits ("123" of "mta.123"), which
    no top-level domain is (RFC 3696 §2): no such name is in the public DNS. None otherwise.
    The one rule for typed domains (to_ascii_domain) and names read from the environment
    (checks.config.domain_name_problem)."""
    last = name.rstrip(".").rsplit(".", 1)[-1]
    return last if last.isascii() and last.isdigit() else None


def special_use_reason(name: str) -> str | None:
    """Why the A-label `name` cannot be in the public DNS, if it is a special-use name."""
    labels = name.lower().rstrip(".").split(".")
    for start in range(len(labels)):
        reason = SPECIAL_USE_SUFFIXES.get(".".join(labels[start:]))
        if reason:
            return f"names under {reason}"
    return None


def off_internet_reason(name: str) -> str | None:
    """Why no one on the internet can look up the host name `name` (an A-label), completing
    "<name> is not on the internet: …"; None for a name under a top-level domain of the
    public DNS. A special-use name (special_use_reason), a name under a top-level domain the
    root zone does not hold (.lan, .corp, .localdomain, or a typo: the Public Suffix List's
    ICANN section lists every delegated one), or a single label (a computer's name on a local
    network). localhost is left to its own words (it names the sender's own machine)."""
    name = name.lower().rstrip(".")
    if reason := special_use_reason(name):
        return reason
    if "." not in name:
        return (
            f"{name} is a single label, a computer's name on a local network, not a host's "
            "full name in the public DNS"
        )
    if _icann_psl().publicsuffix(name, accept_unknown=False) is None:
        tld = name.rsplit(".", 1)[1]
        return (
            f".{tld} is not a top-level domain of the public DNS (a name used inside private "
            "networks, or a typo)"
        )
    return None


def _is_at_or_under(name: str, suffixes: tuple[str, ...]) -> bool:
    return any(name == suffix or name.endswith("." + suffix) for suffix in suffixes)


def organizational_domain(name: str, extra_public_suffixes: tuple[str, ...] = ()) -> str:
    """RFC 7489 §3.2: the public suffix plus one label (the lab adds its own suffixes)."""
    name = name.lower().rstrip(".")
    labels = name.split(".")
    # The longest extra suffix that the name sits strictly below wins over the real list.
    best = ""
    for suffix in extra_public_suffixes:
        if name.endswith("." + suffix) and len(suffix) > len(best):
            best = suffix
    if best:
        keep = len(best.split(".")) + 1
        return ".".join(labels[-keep:])
    return _psl().privatesuffix(name) or name


def known_organizational_domain(name: str, extra_public_suffixes: tuple[str, ...] = ()) -> str:
    """organizational_domain of `name` (a leading '*.' of a wildcard set aside) when it sits
    under a suffix the Public Suffix List (or the extra suffixes) knows; '' for a name under
    none ('localhost', 'mail', 'host.localdomain') or that is a public suffix itself ('*.com',
    '*.co.uk'): such a name says nobody runs it."""
    name = name.lower().rstrip(".").removeprefix("*.")
    if name in extra_public_suffixes or _psl().is_public(name):
        return ""
    if any(name.endswith("." + suffix) for suffix in extra_public_suffixes):
        return organizational_domain(name, extra_public_suffixes)
    return _psl().privatesuffix(name, accept_unknown=False) or ""


def _to_a_labels(name: str) -> str:
    """U-labels to A-labels by IDNA2008 (RFC 5891) with UTS #46 non-transitional mapping.

    Python's built-in "idna" codec is IDNA2003, which maps "ß" to "ss" and final sigma to sigma:
    "straße.de" would be checked as the different domain "strasse.de" instead of
    "xn--strae-oqa.de", the name registries and mail software use today.
    """
    try:
        import idna  # a dependency of httpx, always installed with the engine
    except ImportError:  # pragma: no cover - fallback keeps the engine importable
        return name.encode("idna").decode("ascii")
    try:
        return idna.encode(name, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError as exc:
        raise UnicodeError(str(exc)) from None


# ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER: IDNA2008 CONTEXTJ (RFC 5892 Appendix A.1, A.2).
_JOINERS = frozenset("\u200c\u200d")


def _idn_refusal(invalid: str, name: str) -> str:
    """Why IDNA2008 refuses `name` (a U-label form): the first character no label may hold
    even alone (a symbol or an emoji: RFC 5892 DISALLOWED, which IDNA2003 allowed for some),
    or, when each is allowed alone, that their combination is not (a joiner, mixed
    directions, "--" in the 3rd and 4th places)."""
    # The joiners last: one in a word of a script that uses it is allowed there (RFC 5892
    # Appendix A.1, A.2), and another character is more likely what refuses the name.
    for char in sorted(dict.fromkeys(name), key=lambda c: c in _JOINERS):
        if char.isascii():
            continue
        # Alone and after a letter: a combining mark fails only alone, a right-to-left
        # letter only after a left-to-right one (RFC 5893); a symbol fails both ways. One
        # UTS #46 maps to nothing (a soft hyphen, a zero-width space) is accepted here too:
        # the name is checked without it, so it is not what refuses the name (review s41r2).
        if _idna_accepts(char) or _idna_accepts(f"a{char}"):
            continue
        if unicodedata.category(char) in ("Cf", "Cc", "Zl", "Zp"):
            # A direction mark or override copied with the name from a page or a document:
            # nothing on the screen shows it, so it is named, not called a symbol (s41h).
            label = unicodedata.name(char, "")
            named = f" ({label})" if label else ""
            where = (
                "which a domain name holds only inside words of the few scripts that need it"
                if char in _JOINERS
                else "which no domain name may hold"
            )
            return (
                f"{invalid}: it holds an invisible character, U+{ord(char):04X}{named}, "
                f"{where}; it is often copied with the name from a web page or a document. "
                "Type the name again."
            )
        return (
            f"{invalid}: {quoted(char, 8)} (U+{ord(char):04X}) cannot be part of a domain "
            "name; internationalized names hold letters and digits of any script, not "
            "symbols or emoji."
        )
    return (
        f"{invalid}: its letters are not combined as an internationalized name may combine "
        "them (IDNA2008)."
    )


def _idna_accepts(name: str) -> bool:
    try:
        _to_a_labels(name)
    except UnicodeError:
        return False
    return True


def _to_u_label(label: str) -> str:
    """Decode one A-label; UnicodeError when it is not valid Punycode/IDNA2008."""
    try:
        import idna
    except ImportError:  # pragma: no cover
        return label.encode("ascii").decode("idna")
    try:
        return idna.decode(label)
    except idna.IDNAError as exc:
        raise UnicodeError(str(exc)) from None


# Quote pairs a name is typed or pasted between: "example.com", 'example.com', “example.com”.
_QUOTE_PAIRS = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "\u00ab": "\u00bb"}
# RFC 3986 §3.1 scheme followed by "//" (an authority): ftp://, smtp://, imap://, ldap://…
_SCHEME_AUTHORITY_RE = re.compile(r"^[a-z][a-z0-9+.\-]*://")
# Schemes written without "//" before a mailbox or host: mailto:a@example.com, smtp:example.com.
_OPAQUE_SCHEMES = ("mailto:", "smtp:", "smtps:", "submission:", "xmpp:", "sip:", "sips:")


def _shown(text: str) -> str:
    """`text` as an error message may quote it: control characters (NUL, escape sequences,
    line breaks) and invisible format characters (bidi overrides) written as \\xNN/\\uNNNN
    escapes, so what the person typed cannot corrupt or reorder the message around it."""
    out = []
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


# The most characters of input read at all. A name is 253 at most; with a scheme, a port, a
# path and a query string pasted from an address bar, a thousand is far more than any paste
# needs, and refusing longer input at once keeps a megabyte of it from being parsed, escaped
# and quoted back (seconds of work and an answer as large as the question).
MAX_INPUT_CHARS = 1000
# How much of the input an error message quotes: enough to recognise it.
QUOTED_CHARS = 80


def quoted(text: str, limit: int = QUOTED_CHARS) -> str:
    """A short, escaped piece of `text` for a message to quote: control and invisible format
    characters escaped (_shown), cut to `limit` characters with "…" when longer."""
    # Escape only what can be shown: a long input is never escaped whole.
    shown = _shown(text[: limit + 1])
    if len(text) > limit or len(shown) > limit:
        return shown[: limit - 1] + "…"
    return shown


# Marks chat, Markdown and mail put around a name: (example.com), `example.com`, **example.com**.
# Longest first, so "**" is read before "*". Not "[…]" (an address literal's brackets) nor
# "_…_" (a record's name begins with "_": "_dmarc.example.com_" is no emphasis to drop).
_WRAPPERS = (("```", "```"), ("``", "``"), ("`", "`"), ("**", "**"), ("*", "*"), ("(", ")"))
# The closing marks a sentence's full stop may follow ("`example.com`.", "(example.com)."):
# of the quote pairs, the wrappers and a bracketed "<example.com>". After a name itself a dot
# is the root's, read as such (to_ascii_domain), so not removed here.
_CLOSING_MARKS = frozenset("".join(_QUOTE_PAIRS.values()) + "`*)>")


def _unquoted(text: str) -> str:
    """`text` without the blanks, quotes and wrappers around it, as people paste a name from
    chat, Markdown and mail: one comma or semicolon after it ("example.com,"), or a full stop
    after a closing mark ("`example.com`.", s42d), then pairs of quotes or of _WRAPPERS around
    the whole of it, outermost first ('**`example.com`**').
    A wrapper is removed only when the text inside holds none of its characters, so
    "(a) (b)" or "`a` or `b`" is no pair around the whole; one pair of quotes is removed as
    it always was (before s41o the only pair, and no comma), doubled quotes are not."""
    text = text.strip()
    if text[-1:] in (",", ";") or (text[-1:] == "." and text[-2:-1] in _CLOSING_MARKS):
        text = text[:-1].rstrip()
    quotes = True
    while len(text) >= 2:
        if quotes and _QUOTE_PAIRS.get(text[0]) == text[-1]:
            text, quotes = text[1:-1].strip(), False
            continue
        for opening, closing in _WRAPPERS:
            inner = text[len(opening) : -len(closing)]
            if (
                len(text) > len(opening) + len(closing)
                and text.startswith(opening)
                and text.endswith(closing)
                and not any(mark in inner for mark in opening + closing)
            ):
                text = inner.strip()
                break
        else:
            break
    return text


# What separates the names of a list pasted from a spreadsheet, a message or a ticket.
_LIST_SEPARATORS = re.compile(r"[\s,;]+")
# "Name <address>" of a To or From line (RFC 5322 §3.4), the name plain or quoted (a quoted
# one may hold a comma): group 1 is the address.
_DISPLAY_NAME_RE = re.compile(r'(?:"[^"]*"|[^<>",;\n])*<([^<>]*)>')
# Schemes whose URLs browsers parse as "special" (WHATWG URL Standard): there a "\" ends the
# host as a "/" does, so http://example.com\@evil.org/ is a URL of example.com.
_SPECIAL_SCHEMES = ("http://", "https://", "ws://", "wss://", "ftp://")
# One of those schemes, its colon, and every "/" and "\" after it, or none: browsers read past
# them all to the host (WHATWG URL, "special authority ignore slashes state", which takes zero
# or more), so https:///example.com, http:\\example.com and https:example.com (s43g) are URLs
# of example.com. A URL of another scheme (smtp:///example.com) has an empty authority there,
# no host (RFC 3986 §3.2).
_SPECIAL_SLASHES_RE = re.compile(r"(https?|wss?|ftp):[/\\]*")
# A Markdown link, [text](address) or [text](<address> "title") (CommonMark 0.31, "Links"), its
# address without blanks or parentheses unless between <…>. An image's "![…](…)" is none.
_MARKDOWN_LINK_RE = re.compile(
    r"\[(?P<text>[^\[\]]*)\]\(\s*(?:<(?P<angled>[^<>\n]*)>|(?P<bare>[^\s()<>]*))"
    r"""(?:\s+(?:"[^"]*"|'[^']*'|\([^()]*\)))?\s*\)"""
)
# An HTML anchor pasted as it is, from a page's source or an editor's HTML view:
# <a href="https://example.com/">Example</a> (WHATWG HTML, "Attributes": a value double-quoted,
# single-quoted or unquoted). Its text may hold other elements ("<strong>…</strong>") but not
# the anchor's end; both may hold character references ("&amp;", "&#64;").
_HTML_LINK_RE = re.compile(
    r"<a(?:\s(?P<attributes>[^<>]*))?>(?P<text>(?:(?!</a[\s>]).)*)</a\s*>", re.DOTALL
)
# The same in any case, as a pasted list is searched for anchors before it is lowered.
_ANY_CASE_HTML_LINK_RE = re.compile(_HTML_LINK_RE.pattern, re.DOTALL | re.IGNORECASE)
# Where _pasted_list set a link aside: NUL, its number, NUL (no pasted text holds a NUL).
_SET_ASIDE_RE = re.compile("\0([0-9]+)\0")
_HREF_RE = re.compile(
    r"""(?:^|\s)href\s*=\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<bare>[^\s"'=<>`]+))"""
)
# A mailbox typed without a scheme: a local part, then '@' and the domain. The local part may be
# a quoted string, which can hold '/', '?', '#', '@' or a blank, or carry quoted-pairs ('a\b',
# '"a\"b"'): RFC 5321 §4.1.2. An unquoted one holds no '/', '?' or '#', so
# "example.com/a@b.org" stays a URL whose host is example.com.
_MAILBOX_RE = re.compile(
    r'(?:"(?:[^"\\]|\\.)*"|(?:[^\s"@/?#\\]|\\.)+)@(?P<domain>[^@\s]*)', re.DOTALL
)
# An address whose unquoted local part holds '/', '?' or '#': atext (RFC 5322 §3.2.3), so valid
# in a Dot-string (RFC 5321 §4.1.2; word characters for RFC 6531's UTF-8). Read so only when
# the input read as a URL names no domain ('a/b@example.com' would be the host 'a'), so
# "example.com/a@b.org" stays example.com. A '\' just before the '@' is Markdown's escape of
# it ('a\@example.com' in a page or a ticket shows a@example.com), not the end of a host 'a'.
_ATEXT_MAILBOX_RE = re.compile(r"[\w!#$%&'*+\-/=?^`{|}~.]+\\?@(?P<domain>[^@\s/?#\\]+)")


def to_ascii_domain(
    text: str, *, extra_public_suffixes: tuple[str, ...] = (), allow_special_use: bool = True
) -> str:
    """Normalise to an A-label name; refuse IPs, single labels, a record's name
    (_dmarc.example.com) and public suffixes of the list's ICANN section, each with the reason.

    With allow_special_use off, names under .local, .test, .onion and the other special-use
    names are refused too, unless they sit under one of the extra public suffixes (the lab
    declares "test" for its own names).

    A pasted list of domains ("example.com, example.org", one a line) is refused as a list,
    naming one of its domains to enter: "it contains a space" said nothing of what to do.
    """
    try:
        name = _to_ascii_domain(text, extra_public_suffixes, allow_special_use)
    except DomainNameError as refused:
        if len(text) > MAX_INPUT_CHARS:
            # Refused for its length: no other reading of megabytes is tried.
            raise refused from None
        domain = _atext_address_domain(text)
        if domain is not None:
            # Its domain's refusal names the fault ("co.uk is a public suffix"); the URL
            # reading's ("a/b@co.uk ... has no dot") would be untrue of it.
            return _to_ascii_domain(domain, extra_public_suffixes, allow_special_use)
        names = _pasted_list(text, extra_public_suffixes, allow_special_use)
        if not names:
            raise refused from None
    else:
        # An address is read as the name after its last '@', so a pasted list of addresses
        # ("a@example.com, b@example.org") passed as one whose local part held the others,
        # and the last domain was checked. A URL's host ends at its path, so two URLs pasted
        # with a blank between ("https://a.example/ https://b.example/") passed as the first,
        # and so did two named addresses ("Alice <a@…>, Bob <b@…>") as the first bracket's.
        # Such an input is a list when every part is a name.
        names = (
            _pasted_list(text, extra_public_suffixes, allow_special_use)
            if "@" in text or (re.search(r"\s", _unquoted(text)) and not _blank_inside_url(text))
            else []
        )
        if not names:
            return name
    raise DomainNameError(
        f"{quoted(text.strip())} holds {len(names)} domain names; enter one domain at a time, "
        f"such as {_u_labels(names[0])}."
    )


# A URL whose host is followed by a path, query or fragment not ending in "/", "," or ";":
# https://example.com/Annual, https://example.com/?q=a.
_URL_WITH_PATH_RE = re.compile(r"[a-z][a-z0-9+.\-]*://[^/?#\\\s]*[/?#\\]\S*[^/\s,;]", re.IGNORECASE)


def _blank_inside_url(text: str) -> bool:
    """Does the input begin with a URL whose path or query a blank continues, as a document
    shows a link ("https://example.com/Annual Report.pdf", "…/?q=mail example.org")? Browsers
    read that as one URL (the blank as %20), so "Report.pdf" is no second domain. Two URLs
    pasted together begin each with its scheme, and a URL ending at "/" or a comma ends there.
    """
    first, *rest = _unquoted(text).split()
    return bool(
        rest
        and _URL_WITH_PATH_RE.fullmatch(first)
        and not any(_SCHEME_AUTHORITY_RE.match(word.lower()) for word in rest)
    )


def _pasted_list(
    text: str, extra_public_suffixes: tuple[str, ...], allow_special_use: bool
) -> list[str]:
    """The names of `text` read as a list of two or more domains, or [] when it is not one
    ("exa mple.com", "Alice Smith"): then the reason the input as a whole was refused stands.
    Asked once the whole was refused, or for an accepted input holding an '@' (to_ascii_domain):
    no other input accepted as one name is read as a list.
    """
    if len(text) > MAX_INPUT_CHARS:  # refused unread, and said so
        return []
    # An HTML anchor is one item, whatever its text holds (blanks, commas, "<b>"), read as
    # it is alone (s44h; before, its blanks split it and two pasted together were refused as
    # holding a space, where two Markdown links were a list). Set aside before the To line's
    # reading below, which would take its "<a href=…>" for a name's address. So is a Markdown
    # link (s44k; "[Our site](https://example.com/), [Other site](…)" was split at its text's
    # blank and refused as "may hold only letters…"), after the anchors, whose text may show
    # brackets.
    anchors: list[str] = []

    def set_aside(anchor: re.Match[str]) -> str:
        anchors.append(anchor.group(0))
        return f" \0{len(anchors) - 1}\0 "

    if "\0" not in text:
        text = _ANY_CASE_HTML_LINK_RE.sub(set_aside, text)
        text = _MARKDOWN_LINK_RE.sub(set_aside, text)
    # A mail client's To line: each "Name <address>" stands for its address alone, so the
    # blanks and commas of display names ("Smith, Alice") split nothing.
    text = _DISPLAY_NAME_RE.sub(r" \1 ", text)
    parts = [part for part in _LIST_SEPARATORS.split(_unquoted(text)) if part]
    if len(parts) < 2:
        return []
    names = []
    for part in parts:
        if aside := _SET_ASIDE_RE.fullmatch(part):
            part = anchors[int(aside.group(1))]
        try:
            names.append(_to_ascii_domain(part, extra_public_suffixes, allow_special_use))
        except DomainNameError:
            # An item that is an address with '/', '?', '#' or an escaped '@' before its
            # domain is read as to_ascii_domain reads it alone (before s28n such a list was
            # refused as "has no dot", for the URL reading's host 'a' of 'a/b@example.com').
            domain = _atext_address_domain(part)
            if domain is None:
                return []
            try:
                names.append(_to_ascii_domain(domain, extra_public_suffixes, allow_special_use))
            except DomainNameError:
                return []
    return names


def _markdown_link(link: re.Match[str]) -> tuple[str, str]:
    """The text and the address of the Markdown link `link` (_MARKDOWN_LINK_RE)."""
    angled = link.group("angled")
    return link.group("text"), (angled if angled is not None else link.group("bare")).strip()


def _html_link(link: re.Match[str]) -> tuple[str, str]:
    """The text and the address of the HTML anchor `link` (_HTML_LINK_RE): the text without
    the elements inside it, character references read in both ("" for an anchor without
    href, which links nowhere)."""
    href = _HREF_RE.search(link.group("attributes") or "")
    address = next((v for v in href.groups() if v is not None), "") if href else ""
    text = re.sub(r"<[^<>]*>", "", link.group("text"))
    return html.unescape(text), html.unescape(address).strip()


def _link_domain(
    typed: str,
    text: str,
    address: str,
    extra_public_suffixes: tuple[str, ...],
    allow_special_use: bool,
) -> str:
    """The domain of a link (Markdown or HTML, of the input quoted as `typed`) with the text
    `text` and the address `address`: its address's, read as to_ascii_domain reads one, and
    refused as it would be. A link whose text names another domain, or an IP address
    ("[example.com](https://example.org)"), is refused as naming two: which of them was meant
    is not ours to guess."""
    enter = "Enter the domain alone, for example example.com."
    if not address:
        raise DomainNameError(f"{typed} is a link with no address, so it names no domain. {enter}")
    if address[0] in "/#?." and not address.startswith("//"):
        # A link within the site it was copied from ("/about", "#top", "?page=2", "../a"):
        # the domain it would lead to is not in the paste.
        raise DomainNameError(
            f"{typed} is a link that names no domain: its address, {quoted(address, 40)}, "
            f"leads within the site it was copied from. {enter}"
        )
    try:
        # As the address typed alone is read (review s42zA): with to_ascii_domain's list
        # refusal, so "mailto:a@example.com,b@example.org" is two domains, not the last one.
        name = to_ascii_domain(
            address,
            extra_public_suffixes=extra_public_suffixes,
            allow_special_use=allow_special_use,
        )
    except DomainNameError as refused:
        if str(refused).startswith("Enter a domain name"):  # nothing read, as of ":80"
            raise DomainNameError(
                f"{typed} is a link whose address, {quoted(address, 40)}, names no domain. {enter}"
            ) from None
        raise DomainNameError(f"In the link {typed}, {refused}") from None
    web_host = False
    for shown, named in _named_in_link_text(text, extra_public_suffixes):
        if named is not None and _www_pair(named, name):
            web_host = True
            continue
        if named != name:
            raise DomainNameError(
                f"{typed} is a link whose text names {shown} but whose address names "
                f"{_u_labels(name)}: two different domains, and which of them to check is not "
                "clear. Enter the one domain to check alone."
            )
    # "[www.example.com](https://example.com)", or the other way round: both name example.com,
    # one of them its web server (s43g; before, refused as two domains).
    return name.removeprefix("www.") if web_host else name


def _www_pair(one: str, other: str) -> bool:
    """Whether the A-labels `one` and `other` are a domain and its web host "www.<domain>"."""
    return one == f"www.{other}" or other == f"www.{one}"


def _named_in_link_text(
    text: str, extra_public_suffixes: tuple[str, ...]
) -> list[tuple[str, str | None]]:
    """What a link's text names, as (the name as shown, its A-label or None when it is none a
    check could read: an IP address, a name refused): the whole text when it reads as one
    name, URL or address ("example.com", "https://example.com/"), else each of its words that
    looks like one (holds "@" or "://", or two parts between dots, the last of two characters
    or more with a letter, or is an IP address), so "see example.org" names example.org and
    "Example Inc." or "e.g. us" nothing.
    Read with the special-use names allowed: "printer.local" is a name the text gives."""
    whole = _unquoted(text)
    if not whole:
        return []
    try:
        # to_ascii_domain, not its inner reading: "a@example.com, b@example.org" is no one
        # name (the last address's), its words are read below (review s42zA).
        name = to_ascii_domain(whole, extra_public_suffixes=extra_public_suffixes)
    except DomainNameError:
        pass
    else:
        return [(_u_labels(name), name)]
    named: list[tuple[str, str | None]] = []
    for word in whole.split():
        word = _unquoted(word)
        bare = word.rstrip(".")  # a sentence's full stop, or the root's dot
        labels = bare.split(".")
        try:
            ipaddress.ip_address(bare.strip("[]"))
            address = True
        except ValueError:
            address = False
        if not (
            address
            or "@" in bare
            or "://" in bare
            or (
                len(labels) > 1
                and all(labels)
                and len(labels[-1]) > 1  # no top-level domain is one letter: "e.g.", "U.S."
                and any(c.isalpha() for c in labels[-1])
            )
        ):
            continue
        try:
            one = to_ascii_domain(word, extra_public_suffixes=extra_public_suffixes)
        except DomainNameError:
            named.append((quoted(bare, 40), None))
        else:
            named.append((_u_labels(one), one))
    return named


def _suggested(
    text: str,
    extra_public_suffixes: tuple[str, ...],
    allow_special_use: bool,
    otherwise: str = "example.com",
) -> str:
    """`text` as people write it when it is a domain we may check, else `otherwise`."""
    try:
        return _u_labels(_to_ascii_domain(text, extra_public_suffixes, allow_special_use))
    except DomainNameError:
        return otherwise


def _u_labels(name: str) -> str:
    """The A-label `name` as people write it (bücher.de), for a message to name."""
    try:
        return ".".join(
            _to_u_label(label) if label.startswith("xn--") else label for label in name.split(".")
        )
    except UnicodeError:  # pragma: no cover - an accepted name's labels decode
        return name


def _atext_address_domain(text: str) -> str | None:
    """The domain of `text` read as one address with '/', '?' or '#' in its unquoted local
    part (_ATEXT_MAILBOX_RE), as typed, in a mailto: link or between a To line's brackets;
    None when it is no such address."""
    typed = text.strip()
    named = _DISPLAY_NAME_RE.fullmatch(typed)
    if named is not None:
        typed = named.group(1).strip()
    if typed[:7].lower() == "mailto:":
        typed = typed[7:]
    address = _ATEXT_MAILBOX_RE.fullmatch(typed)
    return address.group("domain") if address is not None else None


def _ipv4_part(part: str) -> int | None:
    """One part of a WHATWG URL IPv4 host: 0x hex, 0-led octal, or decimal; None if none."""
    base = 10
    if part[:2] in ("0x", "0X"):
        part, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        part, base = part[1:], 8
    if part == "":
        return 0
    digits = {10: "0123456789", 8: "01234567", 16: "0123456789abcdefABCDEF"}[base]
    if not all(c in digits for c in part):
        return None
    return int(part, base)


def browser_ipv4(host: str) -> str | None:
    """The IPv4 address a browser reads `host` as (WHATWG URL, "IPv4 parser"): a host whose
    last part is a number is an address in shorthand, each part decimal, 0x hex or 0-led
    octal, the last filling the bytes left (2130706433, 127.1, 0x7f.0.0.1 are 127.0.0.1).
    None when it is no such address (browsers refuse a host like 08.1.2.3 altogether)."""
    parts = host.split(".")
    if len(parts) > 4 or not all(parts):
        return None
    numbers = [_ipv4_part(part) for part in parts]
    if any(n is None for n in numbers):
        return None
    *leading, last = [n for n in numbers if n is not None]
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(parts)):
        return None
    value = last + sum(n * 256 ** (3 - i) for i, n in enumerate(leading))
    return str(ipaddress.IPv4Address(value))


def numbers_read_as(host: str) -> str | None:
    """How a host written as numbers reads, in words ('127.1 is 127.0.0.1 written short'): a
    host browser_ipv4 reads as an IPv4 address but that is not the address as written
    (2130706433, 0x7f.1, 127.1, 0177.0.0.1); None for any other host, a dotted quad too."""
    address = browser_ipv4(host)
    if address is None or address == host:
        return None
    how = "written short" if host.count(".") < 3 else "written in hex or octal"
    return f"{host} is {address} {how}"


def _url_host_text(host: str) -> str | None:
    """`host` as WHATWG URL host parsing has it before its IPv4 test: percent-escapes decoded
    (UTF-8), then UTS #46 mapped (full-width digits to ASCII, the ideographic full stop to a
    dot), lower case, one final dot dropped; None when that fails (no host a parser takes)."""
    from urllib.parse import unquote

    try:
        import idna  # a dependency of httpx, always installed with the engine

        text = unquote(host, errors="strict")
        text = idna.uts46_remap(text, std3_rules=False, transitional=False)
    except (ImportError, UnicodeError, ValueError):
        return None
    text = text.lower()
    return text[:-1] if text.endswith(".") else text


def url_ipv4(host: str) -> str | None:
    """The IPv4 address a URL parser reads the host of a URL as (browser_ipv4), also when it
    is written with percent-escapes (%31%32%37.0.0.1) or in characters UTS #46 maps to digits
    and dots (full-width １２７。０。０。１): a reporter's HTTP client posts to that address,
    never looks up the text as a name. None for any other host."""
    address = browser_ipv4(host)
    if address is not None or (host.isascii() and "%" not in host):
        return address
    text = _url_host_text(host)
    return browser_ipv4(text) if text else None


_FORBIDDEN_IN_HOST = frozenset(" #/:<>?@[\\]^|%")


def url_host_name(host: str) -> str | None:
    """The host name a URL parser reads a URL's host written with percent-escapes as
    ('r%65ports.example' is reports.example, 'b%C3%BCcher.example' is xn--bcher-kva.example):
    RFC 3986 §3.2.2 has a reg-name's escapes stand for UTF-8 octets, decoded in normalisation
    (§6.2.2.2), and a non-ASCII name is looked up in its IDNA form. `host` itself when it has
    no escape; None when they decode to no name (not UTF-8, a label IDNA refuses)."""
    if "%" not in host:
        return host
    text = _url_host_text(host)
    # WHATWG URL's forbidden domain code points: a name decoding to a blank, '/', '%' or the
    # like is no host a parser takes.
    if not text or any(c in _FORBIDDEN_IN_HOST or ord(c) < 0x20 or c == "\x7f" for c in text):
        return None
    if text.isascii():
        return text
    try:
        import idna  # a dependency of httpx, always installed with the engine

        return idna.encode(text, uts46=False).decode("ascii").lower()
    except (ImportError, UnicodeError, ValueError):
        return None


def url_numbers_read_as(host: str) -> str | None:
    """numbers_read_as for a URL's host, in the words of how it is written: 'X is 127.0.0.1
    percent-encoded' or '... written in characters URL parsers map to digits and dots (UTS
    #46)', as url_ipv4 reads it; numbers_read_as for a host in plain ASCII."""
    if host.isascii() and "%" not in host:
        return numbers_read_as(host)
    address = url_ipv4(host)
    if address is None:
        return None
    if "%" in host:
        return f"{host} is {address} percent-encoded"
    return f"{host} is {address} written in characters URL parsers map to digits and dots (UTS #46)"


def _to_ascii_domain(
    text: str, extra_public_suffixes: tuple[str, ...], allow_special_use: bool
) -> str:
    """to_ascii_domain of one name."""
    if len(text) > MAX_INPUT_CHARS:
        raise DomainNameError(
            f"{quoted(text.strip(), 40)} is not a domain name: it is {len(text):,} characters "
            "long. Enter the domain alone, for example example.com."
        )
    # What the messages below quote: the input as typed, escaped and cut short.
    typed = quoted(text.strip())
    name = _unquoted(text).lower()
    link = _MARKDOWN_LINK_RE.fullmatch(name)
    if link:
        # Before the brackets below: "[example.org](<https://example.com>)" is a link.
        return _link_domain(typed, *_markdown_link(link), extra_public_suffixes, allow_special_use)
    anchor = _HTML_LINK_RE.fullmatch(name)
    if anchor:
        # Read as the Markdown link it would be (s44a; before, its brackets were read as an
        # address's and it was refused as holding a space).
        return _link_domain(typed, *_html_link(anchor), extra_public_suffixes, allow_special_use)
    # An address copied from a mail client's To or From: "Alice <alice@example.com>".
    bracketed = re.search(r"<([^<>]*)>", name)
    if bracketed:
        name = _unquoted(bracketed.group(1))
    # https:///example.com as browsers read it, https://example.com (s42d; before, refused as
    # holding no domain name).
    slashes = _SPECIAL_SLASHES_RE.match(name)
    only_slashes = slashes is not None and not name[slashes.end() :]
    if slashes:
        name = f"{slashes.group(1)}://{name[slashes.end() :]}"
    # Any URL's scheme (ftp://, smtp://, not only https://): the host follows it; read as a
    # name, "ftp" would be checked instead.
    scheme = _SCHEME_AUTHORITY_RE.match(name)
    # Where the host ends: at "/", "?" or "#", and at "\" too as browsers read a URL of theirs
    # (or an address bar's "example.com\…", which they complete to http://); a URL of another
    # scheme (smtp://…) and an address keep "\" as URL parsers do.
    host_ends = r"[/?#\\]" if scheme is None or name.startswith(_SPECIAL_SCHEMES) else r"[/?#]"
    # What the name was read after, for the message when nothing follows it ("user@").
    read_after = ""
    if scheme:
        name, read_after = name[scheme.end() :], scheme.group(0)
    elif mailbox := _MAILBOX_RE.fullmatch(name):
        # Only the domain of an address is checked: its local part, quoted or escaped, may
        # hold '\\' (or '/', '?', '#' between quotes), where a URL's host would end.
        name, read_after = mailbox.group("domain"), "the @"
    elif name.startswith("//"):
        # A URL without its scheme (RFC 3986 §4.2, "//example.com/path", as a page's source
        # writes links): the host follows. Split at the first "/" below, it left nothing, and
        # the person who typed a domain was told to enter one.
        name, read_after = name[2:], "//"
    for prefix in _OPAQUE_SCHEMES:
        if name.startswith(prefix):
            name, read_after = name[len(prefix) :], prefix
            host_ends = r"[/?#]"
            break
    # What people paste: a URL with a path, query or port, an address, a trailing dot.
    host = re.split(host_ends, name, maxsplit=1)[0]
    if "@" in host:
        read_after = "the @"
    name = host.rsplit("@", 1)[-1]
    # An address literal in brackets (a URL's [2001:db8::1]:8443, RFC 5321's [IPv6:…]): its
    # colons are no port separator, and what it holds is an address, refused as such below.
    literal = re.fullmatch(r"\[(?:ipv6:)?([0-9a-f:.]+)\](?::\d*)?", name)
    if literal:
        name = literal.group(1)
    elif name.count(":") == 1:
        # A port after the name (example.com:25, https://example.com:443/) is read past: the
        # checks use the standard ports whatever was typed. Anything else after the colon
        # (example.com:abc) is no port, so the input is no host and port either (a URL parser
        # refuses it too, WHATWG URL "port" state).
        name, port = name.split(":", 1)
        if port and not (re.fullmatch(r"[0-9]{1,5}", port) and int(port) <= 65535):
            # A label copied with its value ("Domain: mail.example.org", "Re: …"): the name
            # after the colon is the one to suggest, not the label before it.
            after = _suggested(port.strip(), extra_public_suffixes, allow_special_use, "")
            raise DomainNameError(
                f"{typed} is not a domain name: {quoted(port.strip(), 20)} after the colon is "
                "not a port number (0 to 65535). Enter the domain alone, for example "
                f"{after or _suggested(name, extra_public_suffixes, allow_special_use)}."
            )
    # The other dots IDNA reads as label separators (RFC 3490 §3.1): an input method for
    # Chinese or Japanese types "。" or "．", also as the trailing dot.
    name = re.sub("[\u3002\uff0e\uff61]", ".", name)
    # A trailing dot (the root, as a zone file writes "org.") is typed, but separates no label.
    dotted, name = name.endswith("."), name.rstrip(".")
    if not name:
        if read_after:
            # Something was typed ("user@", "https://"): say what is missing, not only what
            # an empty field is told. Not "nothing follows" when something does, only no
            # host ("smtp:///example.com", "http://:8080"; review s41r2). A special scheme's
            # slashes alone ("https:///") are nothing after it (s42d).
            literal = "@" if read_after == "the @" else read_after
            if only_slashes or _unquoted(text).strip().lower().endswith(literal):
                raise DomainNameError(
                    f"{typed} holds no domain name: nothing follows {read_after}. Enter a "
                    "domain name, for example example.com."
                )
            raise DomainNameError(
                f"{typed} holds no domain name right after {read_after}. Enter a domain "
                "name, for example example.com."
            )
        raise DomainNameError("Enter a domain name, for example example.com.")
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    else:
        raise DomainNameError(f"{typed} is an IP address; enter a domain name.")
    shorthand = browser_ipv4(name)
    if shorthand is not None:
        raise DomainNameError(
            f"{typed} is an IP address ({shorthand}, as a browser reads it); enter a domain name."
        )
    if not name.isascii() and (mapped := _url_host_text(name)) is not None:
        # Full-width digits (１２７.０.０.１, ２１３０７０６４３３): UTS #46 maps them to ASCII
        # digits, so to a browser (WHATWG URL) and to IDNA they are the address itself.
        try:
            address: str | None = str(ipaddress.ip_address(mapped))
        except ValueError:
            address = browser_ipv4(mapped)
        if address is not None:
            raise DomainNameError(
                f"{typed} is an IP address ({address}, as a browser reads it); enter a domain name."
            )
    invalid = f"{typed} is not a valid domain name"
    if re.search(r"\s", name):
        raise DomainNameError(f"{invalid}: it contains a space or a line break.")
    try:
        ascii_name = name if name.isascii() else _to_a_labels(name)
    except UnicodeError:
        raise DomainNameError(_idn_refusal(invalid, name)) from None
    labels = ascii_name.split(".")
    if len(ascii_name) > 253:
        raise DomainNameError(
            f"{invalid}: it is {len(ascii_name)} characters long, and 253 is the most."
        )
    # A record's name copied from a DNS panel or a provider's instructions
    # (_dmarc.example.com, s1._domainkey.example.com): the domain is the part after it.
    records = [at for at, label in enumerate(labels) if label.startswith("_")]
    if records and len(labels) - records[-1] > 2:
        domain = ".".join(labels[records[-1] + 1 :])
        raise DomainNameError(
            f"{typed} is the name of a DNS record, not a mail domain; "
            f"enter the domain it belongs to: {domain}."
        )
    for label in labels:
        if not label:
            raise DomainNameError(f"{invalid}: it has two dots in a row or begins with a dot.")
        if len(label) > 63:
            raise DomainNameError(
                f"{invalid}: {quoted(label, 20)} is {len(label)} characters long, and a part "
                "between "
                "dots may have 63 at most."
            )
        if label.startswith("-") or label.endswith("-"):
            raise DomainNameError(f"{invalid}: {quoted(label, 40)} begins or ends with a hyphen.")
        # Letters, digits and hyphens (RFC 5321 §4.1.2).
        if not all(c.isascii() and (c.isalnum() or c == "-") for c in label):
            kind = "mail domain name" if "_" in label else "domain name"
            raise DomainNameError(
                f"{typed} is not a valid {kind}: it may hold only letters, digits, "
                "hyphens and dots."
            )
        if label.startswith("xn--"):
            try:
                _to_u_label(label)
            except UnicodeError:
                # RFC 5891 §5.4: an xn-- label must decode to a valid U-label.
                raise DomainNameError(
                    f"{invalid}: {quoted(label, 40)} starts with xn--, the mark of an "
                    "internationalized name, but is not one (it does not decode to letters "
                    "of any script). Enter the name as it is written."
                ) from None
    # After the labels' own checks: a 300-character word is first of all too long, as the
    # domains form says of it.
    if len(labels) < 2:
        # One label is a top-level domain or a name only a local network answers for
        # (localhost, a computer's own name): say which, not only that it was refused.
        raise DomainNameError(_single_label_refusal(typed, ascii_name, dotted))
    if all_digit_last_label(ascii_name):
        # No top-level domain is all digits (RFC 3696 §2): "123.456" is no domain. Said with
        # the reason (before s41h only "… is not a valid domain name."); numbers in more
        # parts than an address has ("1.2.3.4.5") are told that too.
        # Four numbers reach here only when they are no address either ("1.2.3.256"): not
        # "4 parts, not 4" (review s41r2).
        more = ""
        if all(label.isdigit() for label in labels):
            more = (
                "; it is no IPv4 address either"
                if len(labels) == 4
                else f"; an IPv4 address has 4 parts, not {len(labels)}"
            )
        raise DomainNameError(
            f"{invalid}: its last part, {labels[-1]}, is a number, and no top-level domain "
            f"is all digits{more}. Enter a domain name, such as example.com."
        )
    reason = special_use_reason(ascii_name)
    if reason and not allow_special_use and not _is_at_or_under(ascii_name, extra_public_suffixes):
        raise DomainNameError(
            f"{ascii_name} is not on the internet: {reason}, so nobody on the internet can "
            "look it up or send mail to it. Enter a domain registered in the public DNS."
        )
    # A top-level domain the root zone does not hold (.corp, .home, .lan, .localdomain, a
    # typo such as .con): no registry, so no one on the internet can resolve it; a resolver
    # with a private view answers it from our own network, if at all. The Public Suffix
    # List's ICANN section lists every delegated TLD; a TLD newer than the installed list
    # waits for its update (publicsuffixlist is released as the list changes).
    if (
        not allow_special_use
        and not _is_at_or_under(ascii_name, extra_public_suffixes)
        and _icann_psl().publicsuffix(ascii_name, accept_unknown=False) is None
    ):
        raise DomainNameError(
            f"{ascii_name} is not on the internet: .{labels[-1]} is not a top-level domain "
            "of the public DNS, so nobody on the internet can look it up or send mail to it. "
            "Enter a domain registered in the public DNS."
        )
    # Only the list's ICANN section: a private-section suffix (dyndns.org, github.io) is a
    # domain its company registered and may monitor, like the names its customers hold below.
    if is_public_suffix(ascii_name, extra_public_suffixes, icann_only=True):
        raise DomainNameError(
            f"{ascii_name} is a public suffix, not a domain someone owns; enter your own domain."
        )
    return ascii_name


def _single_label_refusal(typed: str, label: str, dotted: bool) -> str:
    """Why the one label `label` (an A-label) is no domain name to check. A top-level domain
    of the Public Suffix List's ICANN section is called one, with a name under it to enter
    ("such as example.org"); another label is a computer's name on a local network or a
    top-level domain newer than the list. `dotted`: typed with its trailing dot ("ORG."),
    of which "it has no dot" would be untrue (before s35g it said so)."""
    enter = "Enter the whole domain, such as example.com."
    why = special_use_reason(label)
    if why is None and _icann_psl().publicsuffix(label, accept_unknown=False) == label:
        try:
            shown = _to_u_label(label) if label.startswith("xn--") else label
        except UnicodeError:  # pragma: no cover - the labels' own checks decoded it
            shown = label
        why = f"it is a single label, the top-level domain .{shown}, not a domain under it"
        if label.isalpha():
            enter = f"Enter the whole domain, such as example.{label}."
    elif why is None and dotted:
        why = "it is a single label, so a top-level domain or a computer's name on a local network"
    elif why is None:
        why = "it has no dot, so it is a top-level domain or a computer's name on a local network"
    return f"{typed} is not a registrable domain name: {why}. {enter}"


# First labels of names people enter meaning the domain above them: a web site's address
# pasted from the browser, or the MTA-STS policy host (RFC 8461 §3.3). Mail for a domain is
# governed by records at the domain itself (its MX, _mta-sts, _dmarc…), so checking the host
# reads _mta-sts.mta-sts.example.com, a record nobody publishes.
HOST_LABELS = ("www", "mta-sts")


def host_name_parent(name: str, extra_public_suffixes: tuple[str, ...] = ()) -> str | None:
    """The mail domain the A-label `name` looks like a host of: example.com for
    www.example.com or mta-sts.example.com; None for any other name, or when the part after
    the host label is no domain anyone could own (www.co.uk, www.com).

    Only a hint: www.example.com may really receive mail, and only its owner knows."""
    first, _, parent = name.lower().rstrip(".").partition(".")
    if first not in HOST_LABELS:
        return None
    try:
        # `name` itself was accepted, so its parent sits under the same suffixes: special-use
        # names were already allowed or refused for it.
        return to_ascii_domain(parent, extra_public_suffixes=extra_public_suffixes)
    except DomainNameError:
        return None
