"""What the TLS-RPT blind rounds' input builders share (tests/data/tlsrpt/s2*/build.py).

Each round's build.py writes its own inputs into its own folder; the pieces every round builds
them from live here once: a report and its policies and failure details as a plain sender
writes them, the JSON text of it, a gzip member written by hand, a report mail's headers and
MIME parts, and writing the files out. Standard library only, and deterministic, so a round's
build.py run again rewrites the same bytes. A build.py imports this module by putting this
folder on sys.path (it runs as a script: `python tests/data/tlsrpt/s21/build.py`).
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path
from typing import Any

GZ = "application/tlsrpt+gzip"
JS = "application/tlsrpt+json"
FILENAME = "sender.example!example.com!1780272000!1780358399!001.json.gz"
SUBJECT = (
    "Report Domain: example.com Submitter: sender.example "
    "Report-ID: <2026-06-01T00:00:00Z_example.com@sender.example>"
)
REPORT_TYPE = 'multipart/report; report-type="tlsrpt"'


# --- Reports -----------------------------------------------------------------------------------


def sts(domain: str = "example.com", ok: Any = 120, failed: Any = 0, **extra: Any) -> dict:
    """An sts policy entry: the policy one MX under enforce, its counts, then `extra` members
    (failure-details)."""
    entry: dict[str, Any] = {
        "policy": {
            "policy-type": "sts",
            "policy-string": [
                "version: STSv1",
                "mode: enforce",
                f"mx: mx1.{domain}",
                "max_age: 604800",
            ],
            "policy-domain": domain,
            "mx-host": [f"mx1.{domain}"],
        },
        "summary": {
            "total-successful-session-count": ok,
            "total-failure-session-count": failed,
        },
    }
    entry.update(extra)
    return entry


def tlsa(
    host: str, ok: Any, failed: Any = 0, *, digest: str = "5c", mx_host: bool = False, **extra: Any
) -> dict:
    """A tlsa policy entry for one MX host: a 3 1 1 record of `digest` repeated, the host as
    mx-host too when `mx_host`, its counts, then `extra` members."""
    policy: dict[str, Any] = {
        "policy-type": "tlsa",
        "policy-string": ["3 1 1 " + digest * 32],
        "policy-domain": host,
    }
    if mx_host:
        policy["mx-host"] = [host]
    entry: dict[str, Any] = {
        "policy": policy,
        "summary": {
            "total-successful-session-count": ok,
            "total-failure-session-count": failed,
        },
    }
    entry.update(extra)
    return entry


def report(org: str, report_id: str, policies: list[dict], **top: Any) -> dict:
    """A report of 2026-06-01 (UTC) from sender.example; `top` replaces or adds members."""
    r: dict[str, Any] = {
        "organization-name": org,
        "date-range": {
            "start-datetime": "2026-06-01T00:00:00Z",
            "end-datetime": "2026-06-01T23:59:59Z",
        },
        "contact-info": "smtp-tls-reporting@sender.example",
        "report-id": report_id,
        "policies": policies,
    }
    r.update(top)
    return r


def detail(result_type: str, count: Any, **fields: Any) -> dict:
    d = {
        "result-type": result_type,
        "sending-mta-ip": "203.0.113.9",
        "receiving-mx-hostname": "mx1.example.com",
        "receiving-ip": "198.51.100.25",
        "failed-session-count": count,
    }
    d.update(fields)
    return d


def dumps(r: dict, **kw: Any) -> bytes:
    """json.dumps indented by 2 and ASCII-only unless `indent` or `ascii` say otherwise."""
    return json.dumps(
        r, indent=kw.pop("indent", 2), ensure_ascii=kw.pop("ascii", True), **kw
    ).encode()


def dates(r: dict, start: str, end: str) -> dict:
    r["date-range"] = {"start-datetime": start, "end-datetime": end}
    return r


def swap(data: bytes, old: bytes, new: bytes) -> bytes:
    """Replace exactly one occurrence: a text-level edit json.dumps cannot write."""
    assert data.count(old) == 1, old
    return data.replace(old, new)


# --- Containers --------------------------------------------------------------------------------


def gzip_member(
    data: bytes,
    *,
    extra: bytes | None = None,
    name: bytes | None = None,
    comment: bytes | None = None,
    os_byte: int = 0xFF,
) -> bytes:
    """One gzip member (RFC 1952) with optional FEXTRA, FNAME and FCOMMENT (ISO 8859-1
    bytes), MTIME 0, the OS byte `os_byte` (255 unknown, 11 NTFS)."""
    flags = (4 if extra is not None else 0) | (8 if name is not None else 0)
    flags |= 16 if comment is not None else 0
    out = b"\x1f\x8b\x08" + bytes([flags]) + struct.pack("<I", 0) + b"\x00" + bytes([os_byte])
    if extra is not None:
        out += struct.pack("<H", len(extra)) + extra
    if name is not None:
        out += name + b"\x00"
    if comment is not None:
        out += comment + b"\x00"
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    out += raw.compress(data) + raw.flush()
    return out + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


# --- Mails -------------------------------------------------------------------------------------


def mail_headers(round_name: str, **replace: str | None) -> bytes:
    """A report mail's header fields (To: @@MAILTO@@, which the test replaces), the
    Message-ID naming the round; `replace` changes a field, or drops it with None."""
    fields: dict[str, str | None] = {
        "From": "noreply-smtp-tls-reporting@sender.example",
        "To": "@@MAILTO@@",
        "Subject": SUBJECT,
        "Date": "Tue, 02 Jun 2026 03:12:40 +0000",
        "Message-ID": f"<20260602031240.tlsrpt.{round_name}@sender.example>",
        "TLS-Report-Domain": "example.com",
        "TLS-Report-Submitter": "sender.example",
        "MIME-Version": "1.0",
    }
    fields.update(replace)
    return b"".join(f"{k}: {v}\r\n".encode() for k, v in fields.items() if v is not None)


def part(head: list[str] | list[bytes], body: bytes) -> bytes:
    lines = [h if isinstance(h, bytes) else h.encode() for h in head]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body + b"\r\n"


TEXT = part(["Content-Type: text/plain; charset=us-ascii"], b"This is an aggregate TLS report.")


def multi(ctype: str, boundary: str, parts: list[bytes]) -> bytes:
    """A multipart entity's Content-Type line and body (also a nested part, as is)."""
    b = boundary.encode()
    body = b"".join(b"--" + b + b"\r\n" + p for p in parts)
    head = f'Content-Type: {ctype}; boundary="{boundary}"\r\n\r\n'.encode()
    return head + body + b"--" + b + b"--\r\n"


def b64(data: bytes, width: int = 76) -> bytes:
    text = base64.b64encode(data)
    return b"\r\n".join(text[i : i + width] for i in range(0, len(text), width))


def gz_attachment(data: bytes) -> bytes:
    """The report's gzip as a plain sender attaches it: base64, named FILENAME."""
    return part(
        [
            f"Content-Type: {GZ}",
            "Content-Transfer-Encoding: base64",
            f'Content-Disposition: attachment; filename="{FILENAME}"',
        ],
        b64(data),
    )


# --- Writing -----------------------------------------------------------------------------------


def write(folder: Path, files: dict[str, dict[str, bytes]]) -> None:
    """Write every input: `files` maps a suffix ('.json') to the inputs {name: bytes}."""
    for suffix, inputs in files.items():
        for name, data in inputs.items():
            (folder / f"{name}{suffix}").write_bytes(data)
