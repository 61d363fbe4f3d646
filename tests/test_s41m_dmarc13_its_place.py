"""Task s41m, item 6: DMARC-13, where the report authorisation name holds records that do not
authorise, said "publish the record below in its place" also when an unrelated TXT record
stands there beside the broken one ('v=dmarc1' and a site verification): "its" could be either,
and replacing the unrelated one breaks what it is for. The record to replace is now named; an
unrelated record alone is not to be replaced at all."""

from __future__ import annotations

from tests.test_engine_s41a import AUTH, _dmarc13

OTHER = "google-site-verification=s41m"


def test_s41m_beside_an_unrelated_record_the_one_replaced_is_named() -> None:
    summary = _dmarc13(["v=dmarc1", OTHER]).summary
    assert "in its place" not in summary, summary
    assert "to publish the record below in place of 'v=dmarc1'." in summary, summary


def test_s41m_an_unrelated_record_alone_is_kept() -> None:
    summary = _dmarc13([OTHER]).summary
    assert f"it publishes '{OTHER}', not a record that begins with v=DMARC1" in summary, summary
    assert "in its place" not in summary, summary
    assert "to publish the record below beside it." in summary, summary


def test_s41m_the_broken_record_alone_keeps_its_words() -> None:
    summary = _dmarc13(["v=dmarc1"]).summary
    assert f"at {AUTH} it publishes 'v=dmarc1'" in summary, summary
    assert summary.endswith("to publish the record below in its place."), summary
