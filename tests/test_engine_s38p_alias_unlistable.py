"""Review s38p of f3a93592 (s38c): MTASTS-01's setup for a domain whose MX is an alias (MX-04)
lists the alias and the host it aliases, and says "The file lists both names of an aliased MX
... so the file fits it before and after MX-04's fix". For an alias no mx line can name (a '_'
label, checks.mtasts.listable), the file lists only the target, and that sentence was untrue:
the MX record as it stands matches no line of the file until it points at the target."""

from __future__ import annotations

import pytest

from tests.test_engine_s38c_alias import evaluate, setup_fix

UNLISTABLE_ALIAS = {("example.org", "MX"): ["10 _mail.example.org.", "20 mx2.example.org."]}


def test_an_alias_the_file_cannot_list_is_not_said_to_be_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fix = setup_fix(
        evaluate(monkeypatch, {"_mail.example.org": "mx1.provider.example"}, UNLISTABLE_ALIAS)
    )
    assert "mx: mx1.provider.example\nmx: mx2.example.org\n" in fix, fix
    assert "mx: _mail.example.org" not in fix, fix
    assert "lists both names" not in fix, fix
    assert "before and after" not in fix, fix
    # What it does say: the alias cannot be named, and the MX fits once it points at the target.
    assert "_mail.example.org" in fix and "cannot be named in a policy" in fix, fix
    assert "MX-04" in fix, fix


def test_a_listable_alias_still_has_both_names(monkeypatch: pytest.MonkeyPatch) -> None:
    fix = setup_fix(evaluate(monkeypatch, {"mail.example.org": "mx1.provider.example"}))
    assert "mx: mail.example.org\nmx: mx1.provider.example\n" in fix, fix
    assert "The file lists both names of an aliased MX" in fix, fix
