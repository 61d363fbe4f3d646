"""MTA-STS policy files and mx patterns generated around the RFC 8461 §3.2 / §4.1 grammar,
against the RFC and against an independent parser (postfix-mta-sts-resolver, run offline)."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from postfix_mta_sts_resolver.utils import parse_mta_sts_policy as oracle_parse

from checks.mtasts import parse_policy, policy_matches

_LDH = "abcdefghijklmnopqrstuvwxyz0123456789"
LABEL = st.builds(
    lambda a, mid, z: a + mid + z if mid or z else a,
    st.sampled_from(_LDH),
    st.text(_LDH + "-", max_size=8),
    st.sampled_from(["", *_LDH]),
).filter(lambda label: not label.endswith("-"))
# A top-level label with a letter: four all-digit labels would be an IP address (MTASTS-25).
DOMAIN = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(LABEL, min_size=1, max_size=3),
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6),
)
WSP = st.sampled_from(["", " ", "\t", " \t "])
TERM = st.sampled_from(["\n", "\r\n"])


def _upper_some(draw: st.DrawFn, text: str) -> str:
    return "".join(c.upper() if draw(st.booleans()) else c for c in text)


@st.composite
def valid_policies(draw: st.DrawFn) -> tuple[str, str, int, list[str]]:
    """A policy the §3.2 ABNF accepts: any field order, LF or CRLF per line, *WSP after the
    colon and at the end of a line, extension fields, max_age with leading zeros (up to 10
    digits), mx patterns in any case, with a whole left-most wildcard label."""
    mode = draw(st.sampled_from(["enforce", "testing", "none"]))
    max_age = draw(st.integers(0, 31557600))
    digits = str(max_age).zfill(draw(st.integers(len(str(max_age)), 10)))
    hosts = draw(st.lists(DOMAIN, min_size=0 if mode == "none" else 1, max_size=4, unique=True))
    patterns = [("*." if draw(st.booleans()) else "") + h for h in hosts]
    fields = [("version", "STSv1"), ("mode", mode), ("max_age", digits)]
    fields += [("mx", _upper_some(draw, p)) for p in patterns]
    visible = "".join(chr(c) for c in range(0x21, 0x7F))
    # sts-policy-ext-value: visible characters, inner spaces (UTF-8 too: one sample of it).
    ext_value = st.builds(
        lambda a, mid: a + mid.rstrip(" ") if mid.strip(" ") else a,
        st.sampled_from([*visible, "\u00e9"]),
        st.text(visible + " ", max_size=10),
    )
    alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    ext_name = st.builds(
        lambda a, rest: a + rest, st.sampled_from(alnum), st.text(alnum + "_.-", max_size=31)
    ).filter(lambda n: n not in {"version", "mode", "max_age", "mx"})
    fields += draw(st.lists(st.tuples(ext_name, ext_value), max_size=3))
    fields = draw(st.permutations(fields))
    lines = [f"{k}:{draw(WSP)}{v}{draw(WSP)}" for k, v in fields]
    body = "".join(line + draw(TERM) for line in lines)
    if draw(st.booleans()):
        body = body.rstrip("\r\n")  # the last terminator is optional
    # Duplicate extension names are harmless; duplicate patterns collapse.
    return body, mode, max_age, list(dict.fromkeys(p.lower() for p in patterns))


@given(valid_policies())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_every_policy_the_grammar_accepts_is_valid(case: tuple[str, str, int, list[str]]) -> None:
    body, mode, max_age, patterns = case
    policy = parse_policy(body.encode())
    assert policy.valid, [p.message for p in policy.problems]
    assert (policy.mode, policy.max_age, sorted(policy.mx)) == (mode, max_age, sorted(patterns))


def oracle_accepts(text: str) -> bool:
    """What postfix-mta-sts-resolver (1.5) concludes about a fetched body: it keeps the last
    value of a repeated key, needs version STSv1, an int() max_age in 0..31557600, a mode, and
    for testing/enforce at least one mx line (whatever its value)."""
    policy = oracle_parse(text)
    try:
        max_age = int(policy.get("max_age", "-1"))
    except ValueError:
        return False
    if policy.get("version") != "STSv1" or not 0 <= max_age <= 31557600:
        return False
    if policy.get("mode") == "none":
        return True
    return policy.get("mode") in ("testing", "enforce") and bool(policy["mx"])


KEYS = ["version", "mode", "max_age", "mx", "Mode", "max-age", "MX", " mx", "mx ", "x", ""]
VALUES = [
    "STSv1", "stsv1", "enforce", "testing", "none", "report", "0086400", "00000086400",
    "31557601", "-1", "+5", "1_000", "\u0663", "mx.example.com", "*.example.com",
    "mx.example.com.", "*", "192.0.2.1", "a b", "\u00fc", "", "a\tb", "enforce\x0c",
    "enforce\x1c", "enforce\u2028x", "STSv1\x0b",
]  # fmt: skip


@st.composite
def mutated_policies(draw: st.DrawFn) -> str:
    lines = draw(st.permutations(["version: STSv1", "mode: enforce", "max_age: 604800"]))
    lines.append("mx: mx.example.com")
    for _ in range(draw(st.integers(0, 3))):
        key, value = draw(st.sampled_from(KEYS)), draw(st.sampled_from(VALUES))
        lines.insert(draw(st.integers(0, len(lines))), f"{key}:{draw(WSP)}{value}{draw(WSP)}")
    if draw(st.booleans()):
        lines.pop(draw(st.integers(0, len(lines) - 1)))
    terms = draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(lines)))
    return "".join(line + term for line, term in zip(lines, terms, strict=False))


@given(mutated_policies())
@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
def test_a_policy_the_independent_client_rejects_is_never_valid(body: str) -> None:
    # Where a key repeats, the RFC keeps the first value (§3.2) and the oracle the last: the
    # two then legitimately disagree, so those bodies say nothing here.
    keys = [line.partition(":")[0] for line in body.splitlines()]
    assume(all(keys.count(k) <= 1 for k in ("version", "mode", "max_age")))
    if not oracle_accepts(body):
        assert not parse_policy(body.encode()).valid


@given(LABEL, LABEL, DOMAIN, st.booleans(), st.booleans())
def test_a_wildcard_matches_exactly_one_left_most_label(
    one: str, two: str, base: str, upper: bool, dot: bool
) -> None:
    # RFC 8461 §4.1: "*.example.com" matches "mail.example.com", not "example.com" nor
    # "foo.bar.example.com"; names compare case-insensitively, a trailing dot aside.
    def form(name: str) -> str:
        return (name.upper() if upper else name) + ("." if dot else "")

    assert policy_matches(f"*.{base}", form(f"{one}.{base}"))
    assert not policy_matches(f"*.{base}", form(f"{one}.{two}.{base}"))
    assert not policy_matches(f"*.{base}", form(base))
    assert policy_matches(form(f"{one}.{base}"), f"{one}.{base}")
    assert not policy_matches(f"{one}.{base}", f"x{one}.{base}")
