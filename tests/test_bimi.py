"""BIMI: record parsing, URL rules, DMARC prerequisites, SVG Tiny PS checks (safely parsed)."""

from __future__ import annotations

import asyncio
import gzip
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from checks import bimi, https
from checks.findings import Finding, Status
from checks.https import HttpsResult
from tests.test_spf import flagged, make_ctx, statuses

D = "example.com"
GOOD_SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
    b'version="1.2" baseProfile="tiny-ps" viewBox="0 0 100 100"><title>Brand</title>'
    b'<circle cx="50" cy="50" r="40" fill="#1a73e8"/></svg>'
)
LOGO = "https://bimi.example.com/logo.svg"
CERT = "https://bimi.example.com/vmc.pem"
ENFORCING = "v=DMARC1; p=reject; rua=mailto:d@example.com"


def bimi_run(
    record: Any,
    dmarc: str | None = ENFORCING,
    body: bytes | None = GOOD_SVG,
    status: int = 200,
    extra: dict[Any, Any] | None = None,
) -> list[Finding]:
    zone: dict[Any, Any] = {(D, "MX"): ["10 mx.example.com."]}
    if record is not None:
        zone[(f"default._bimi.{D}", "TXT")] = record if isinstance(record, list) else [record]
    if dmarc is not None:
        zone[(f"_dmarc.{D}", "TXT")] = [dmarc]
    zone.update(extra or {})

    async def fake_fetch(ctx: Any, url: str, *, max_bytes: int = 65536, timeout: Any = None):
        if body is None:
            return HttpsResult(url=url, error_kind="timeout", error="timed out")
        return HttpsResult(url=url, status=status, body=body[:max_bytes])

    async def go() -> list[Finding]:
        with mock.patch.object(https, "fetch", fake_fetch):
            return await bimi.evaluate(make_ctx(D, zone))

    return asyncio.run(go())


def test_good_record() -> None:
    found = bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}")
    assert flagged(found) == {"fail": set(), "warn": set(), "error": set()}
    assert statuses(found, "BIMI-09") == [Status.PASS]
    # The mark certificate is not verified yet: never reported as passing.
    assert statuses(found, "BIMI-10") == [Status.INFO]


def test_fixture_variants() -> None:
    record = f"v=BIMI1; l={LOGO}; a={CERT}"
    assert flagged(bimi_run(record, dmarc="v=DMARC1; p=none"))["fail"] == {"BIMI-08"}
    assert flagged(bimi_run(record, dmarc="v=DMARC1; p=quarantine; pct=50"))["fail"] == {"BIMI-08"}
    assert flagged(bimi_run(record, dmarc="v=DMARC1; p=reject; t=y"))["fail"] == {"BIMI-08"}
    assert flagged(bimi_run(record, dmarc=None))["fail"] == {"BIMI-08"}
    http = bimi_run(f"v=BIMI1; l=http://bimi.example.com/logo.svg; a={CERT}")
    assert flagged(http)["fail"] == {"BIMI-04"}
    png = bimi_run(f"v=BIMI1; l=https://bimi.example.com/logo.png; a={CERT}")
    assert flagged(png)["fail"] == {"BIMI-04"}
    declined = bimi_run("v=BIMI1; l=; a=;")
    assert statuses(declined, "BIMI-03") == [Status.INFO]
    assert flagged(declined) == {"fail": set(), "warn": set(), "error": set()}
    assert flagged(bimi_run(f"v=BIMI1; l={LOGO}"))["warn"] == {"BIMI-05"}
    assert flagged(bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}; avp=logo"))["warn"] == {"BIMI-06"}
    assert flagged(bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}; lps=ok,bad_one"))["warn"] == {"BIMI-07"}
    assert flagged(bimi_run(f"v=BIMI1; a={CERT}"))["fail"] == {"BIMI-03"}
    assert flagged(bimi_run(f"v=bimi1; l={LOGO}"))["fail"] == {"BIMI-02"}
    assert flagged(bimi_run([f"v=BIMI1; l={LOGO}", f"v=BIMI1; l={LOGO}"]))["fail"] == {"BIMI-02"}
    assert flagged(bimi_run(f"v=BIMI1; l={LOGO}; a=http://x.example.com/a.pem"))["fail"] == {
        "BIMI-05"
    }


def test_absent_fallback_and_errors() -> None:
    assert statuses(bimi_run(None), "BIMI-01") == [Status.INFO]
    sub: dict[Any, Any] = {("default._bimi.example.com", "TXT"): [f"v=BIMI1; l={LOGO}; a={CERT}"]}

    async def go() -> list[Finding]:
        zone = {**sub, ("_dmarc.example.com", "TXT"): [ENFORCING]}
        with mock.patch.object(https, "fetch", _ok_fetch):
            return await bimi.evaluate(make_ctx("news.example.com", zone))

    inherited = asyncio.run(go())
    assert any("inherited" in f.summary for f in inherited if f.id == "BIMI-01")
    failed = bimi_run(None, extra={(f"default._bimi.{D}", "TXT"): "SERVFAIL"})
    assert [(f.id, f.status) for f in failed] == [("BIMI-01", Status.ERROR)]
    timeout = bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}", body=None)
    assert statuses(timeout, "BIMI-09") == [Status.ERROR]
    missing = bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}", status=404)
    assert flagged(missing)["fail"] == {"BIMI-09"}


async def _ok_fetch(ctx: Any, url: str, *, max_bytes: int = 65536, timeout: Any = None):
    return HttpsResult(url=url, status=200, body=GOOD_SVG)


def svg_problems(data: bytes) -> list[str]:
    return bimi.check_svg(data).problems


def test_svg_profile() -> None:
    assert bimi.check_svg(GOOD_SVG).ok
    assert bimi.check_svg(gzip.compress(GOOD_SVG)).ok  # .svgz
    full = GOOD_SVG.replace(b'version="1.2" baseProfile="tiny-ps"', b'version="1.1"')
    assert len(svg_problems(full)) == 2
    assert svg_problems(GOOD_SVG.replace(b"<title>Brand</title>", b""))
    assert svg_problems(GOOD_SVG.replace(b"</svg>", b"<script>alert(1)</script></svg>"))
    assert svg_problems(GOOD_SVG.replace(b"</svg>", b'<animate attributeName="r"/></svg>'))
    external = GOOD_SVG.replace(
        b"</svg>", b'<use xmlns:x="http://www.w3.org/1999/xlink" x:href="https://e.x/a"/></svg>'
    )
    assert svg_problems(external)
    assert not svg_problems(GOOD_SVG.replace(b"</svg>", b'<use href="#a"/></svg>'))
    assert svg_problems(b"not xml at all")
    assert svg_problems(b"<html/>")
    big = GOOD_SVG.replace(b"</svg>", b"<!--" + b"x" * 40000 + b"--></svg>")
    assert bimi.check_svg(big).warnings and bimi.check_svg(big).ok
    wide = GOOD_SVG.replace(b'viewBox="0 0 100 100"', b'viewBox="0 0 200 100"')
    assert bimi.check_svg(wide).warnings


def test_svg_refuses_doctype_and_entities() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><svg>&b;</svg>'
    )
    assert "DOCTYPE" in svg_problems(bomb)[0]
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<svg>&x;</svg>"
    )
    assert "DOCTYPE" in svg_problems(xxe)[0]


def test_svg_refuses_a_doctype_in_any_encoding() -> None:
    # A byte search for "<!doctype" misses UTF-16; expat reads the declaration whatever the
    # encoding, so the refusal must come from the parser.
    text = (
        GOOD_SVG.decode()
        .replace("UTF-8", "UTF-16")
        .replace("<svg", '<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg', 1)
        .replace("Brand", "&a;")
    )
    assert "DOCTYPE" in svg_problems(text.encode("utf-16"))[0]
    assert bimi.check_svg(GOOD_SVG.decode().replace("UTF-8", "UTF-16").encode("utf-16")).ok


def test_uri_rules() -> None:
    assert bimi.check_https_uri(LOGO, svg=True) == ""
    assert bimi.check_https_uri("https://bimi.example.com/logo.SVGZ?v=1", svg=True) == ""
    assert bimi.check_https_uri("https://localhost/logo.svg", svg=True)
    assert bimi.check_https_uri(f"{LOGO},{LOGO}", svg=True)
    assert bimi.check_https_uri("https://[::1", svg=True)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parsers_never_raise_on_text(text: str) -> None:
    bimi.parse_bimi(text)
    bimi.parse_bimi("v=BIMI1; l=" + text)
    bimi.check_https_uri(text, svg=True)
    bimi.check_svg(text.encode("utf-8", errors="replace"))


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_svg_never_raises_on_bytes(data: bytes) -> None:
    bimi.check_svg(data)
    bimi.check_svg(b"\x1f\x8b" + data)
    bimi.check_svg(b"<svg>" + data + b"</svg>")
