"""Task s36k, item 1 (BIMI): a logo (l=) or mark certificate (a=) URL whose host name is written
with percent-escapes ('https://l%6Fgo.example/logo.svg', 'https://b%C3%BCcher.example/...') is
the name a receiver's URL parser decodes (RFC 3986 §3.2.2, §6.2.2.2; WHATWG URL host parsing),
as s36f reads a TLS-RPT report host (checks.domainname.url_host_name): BIMI-04/-05 take it as
a valid HTTPS URL and the file is fetched (and guarded) at that name, never the text as written.
It was BIMI-04/-05 fail "is not a valid host name". Escapes that decode to no name stay a fail.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import bimi
from checks.https import HttpsResult
from tests.blind_engine import EngineRun, fake_fetch, run_engine
from tests.test_engine_s27e_blind import REJECT, TINY_PS, site

D = "s36k-brand.org"


def _run(record: str) -> tuple[EngineRun, list[str]]:
    fetched: list[str] = []
    inner = fake_fetch(rest=TINY_PS)

    async def fetch(ctx: Any, url: str, **kw: Any) -> HttpsResult:
        fetched.append(url)
        return await inner(ctx, url, **kw)

    zone = site(D, record, dmarc=REJECT)
    return run_engine(bimi, D, zone, fetch=fetch), fetched


def _of(run: EngineRun, check_id: str, status: str) -> list[Any]:
    return [f for f in run.findings if f.id == check_id and str(f.status) == status]


def _text(run: EngineRun) -> str:
    return "\n".join(f"{f.id} {f.status} {f.summary} {f.fix}" for f in run.findings)


@pytest.mark.parametrize(
    ("host", "name"),
    [
        (f"l%6Fgo.{D}", f"logo.{D}"),
        (f"b%C3%BCcher.{D}", f"xn--bcher-kva.{D}"),
    ],
)
def test_it_reads_a_percent_escaped_logo_host_as_the_name_it_decodes_to(
    host: str, name: str
) -> None:
    run, fetched = _run(f"v=BIMI1; l=https://{host}/logo.svg")
    assert not _of(run, "BIMI-04", "fail"), _text(run)
    assert f"https://{name}/logo.svg" in fetched, fetched
    assert not any("%" in url.split("/")[2] for url in fetched), fetched


def test_it_reads_a_percent_escaped_certificate_host_as_the_name_it_decodes_to() -> None:
    run, fetched = _run(f"v=BIMI1; l=https://logo.{D}/logo.svg; a=https://b%69mi.{D}/vmc.pem")
    assert _of(run, "BIMI-05", "pass"), _text(run)
    assert f"https://bimi.{D}/vmc.pem" in fetched, fetched


@pytest.mark.parametrize("host", [f"l%FFgo.{D}", f"a%2Fb.{D}"])
def test_it_keeps_escapes_that_decode_to_no_name_a_fail(host: str) -> None:
    run, fetched = _run(f"v=BIMI1; l=https://{host}/logo.svg")
    assert _of(run, "BIMI-04", "fail"), _text(run)
    assert not any(host in url for url in fetched)
