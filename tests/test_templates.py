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
