"""DNSSEC-01's stale-DS fix names the key tags the parent's DS records carry: "key tag 5" for
one, "key tags 5, 6" for two (review s40t: it said "key tag 5, 6")."""

from __future__ import annotations

from checks import dnssec
from tests.test_engine_s40i import stale_ds


def _fix(ds_count: int, beside: int | None = None) -> tuple[list[int], str]:
    tags, ds, dnskey = stale_ds(ds_count)
    return tags, dnssec._ds_of_unpublished_keys(ds, dnskey, [dnskey], beside=beside)


def test_one_stale_ds_names_its_key_tag() -> None:
    (tag,), fix = _fix(1)
    assert f"the DS names key tag {tag}, which" in fix, fix


def test_two_stale_ds_records_name_their_key_tags() -> None:
    tags, fix = _fix(2)
    assert f"key tags {tags[0]}, {tags[1]}, which" in fix, fix
    assert "key tag " not in fix, fix


def test_beside_a_resolvers_code_the_key_tags_are_named_alike() -> None:
    (tag,), one = _fix(1, beside=7)
    tags, two = _fix(2, beside=7)
    assert f"it names key tag {tag}, which" in one, one
    assert f"they name key tags {tags[0]}, {tags[1]}, which" in two, two
