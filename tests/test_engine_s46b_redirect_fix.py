"""MTASTS-10's fix for a policy URL that answers a redirect (task s46b item 1, after s45l).

Senders never follow a redirect (RFC 8461 §3.3), and mailsec does not fetch the Location
either, so it cannot tell whether the owner's policy is there. The fix said "If that URL
serves the policy of <d>, serve the same file ... Otherwise:" and then offered a fresh
'mode: testing' file and a new id: an owner whose redirect leads nowhere useful but who keeps
an enforce policy (the one the record's id was published with) read that as the way out and
would weaken it. The fresh file is now offered only to an owner who has no policy of the
domain; one who keeps the announced policy anywhere is told to serve that one at the URL.
"""

from __future__ import annotations

import pytest

from tests.test_engine_s45l_visible_policy import URL, WWW, _answer, _run


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_the_file_after_a_redirect_is_only_for_an_owner_without_a_policy(
    monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    result = _answer(status, "<html><body>Moved</body></html>\n", {"location": WWW})
    mtasts10, fetched = _run(monkeypatch, result)
    assert fetched == [URL]  # still no fetch of the Location
    fix = mtasts10.fix or ""
    assert "Otherwise:" not in fix, fix
    served_there, _, after = fix.partition("mailsec did not fetch it, as senders do not.")
    assert after, fix
    # The policy the record announces comes first, wherever the owner keeps it ...
    own, _, fresh = after.partition("\n1. Serve this file")
    assert "the policy the record was published with" in own, own
    assert "serve that one the same way" in own, own
    # ... and the fresh testing file (with a new id) is for an owner who has none.
    assert own.rstrip().endswith("Only if you have no policy of example.org, start with this one:")
    assert "mode: testing" in fresh and "change the id in the record" in fresh, fresh
    assert "keep the id in the record" in served_there, served_there
