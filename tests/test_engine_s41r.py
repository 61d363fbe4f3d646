"""Review s41r of the s41a wording commits (DMARC-13 2be39046, DKIM-03 1d2eaf08, SPF-04
d9d704f6).

1d2eaf08 names the values of a DKIM key-record tag written twice ("of 't=y' and 't=s', keep
the one you mean"). A tag written twice with the same value beside another repeated tag
('k=rsa; ...; k=rsa; t=s; t=y') read "of 'k=rsa' and 'k=rsa', keep the one you mean": there
is nothing to choose, the owner writes it once."""

from __future__ import annotations

from checks import dkim
from checks.findings import Status
from tests.test_dkim import rsa_b64
from tests.test_spf import run


def _dkim03_fixes(record: str) -> set[str]:
    zone = {("s1._domainkey.example.com", "TXT"): [record]}
    found = run(dkim, "example.com", zone, dkim_selectors=("s1",))
    fixes = {f.fix for f in found if f.id == "DKIM-03" and f.status == Status.FAIL}
    assert fixes, found
    return fixes


def test_s41r_dkim03_a_tag_repeated_with_one_value_is_written_once() -> None:
    (fix,) = _dkim03_fixes(f"v=DKIM1; k=rsa; p={rsa_b64(2048)}; k=rsa; t=s; t=y")
    assert "'k=rsa' and 'k=rsa'" not in fix
    assert "write 'k=rsa' once" in fix
    assert "of 't=s' and 't=y', keep the one you mean" in fix
