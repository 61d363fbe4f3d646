from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_no_template_comment_spans_lines() -> None:
    """Django's {# #} comments are single-line: a multi-line one is printed on the page."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if "{#" in line and "#}" not in line[line.index("{#") :]:
                offenders.append(f"{path.relative_to(TEMPLATES)}:{number}")
    assert not offenders, offenders


def test_a_fix_is_called_a_record_only_when_it_is_dns_records() -> None:
    from mailsec.domains.templatetags.domains import fix_heading

    record = '_mta-sts.example.org. TXT "v=STSv1; id=2026"'
    assert fix_heading(record) == "Fix: publish this record"
    assert fix_heading(f"{record}\nmta-sts.example.org. 300 IN CNAME mailsec.example.") == (
        "Fix: publish these records"
    )
    assert fix_heading("Renew the certificate of mx1.example.org.") == "Fix"
    assert fix_heading("version: STSv1\nmode: testing\nmx: mx1.example.org\nmax_age: 86400") == (
        "Fix"
    )
    assert fix_heading("") == "Fix"
