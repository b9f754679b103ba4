"""What a file really is, from its content as well as its name: the types a document or an import may be.

Each check reads a bounded amount: the first bytes for PDF, PNG, JPEG and MSG; for DOCX and XLSX the zip's
directory and its `[Content_Types].xml` part (refused when the parts would unpack to more than
MAX_UNPACKED_BYTES, so a zip bomb is refused before anything is inflated); for CSV and EML the first
TEXT_SAMPLE_BYTES, which must be text.
"""

import re
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError

TEXT_SAMPLE_BYTES = 64 * 1024
CONTENT_TYPES_PART = "[Content_Types].xml"
MAX_CONTENT_TYPES_BYTES = 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    label: str


PDF = FileType("pdf", "application/pdf", "PDF")
DOCX = FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word (DOCX)")
XLSX = FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (XLSX)")
CSV = FileType("csv", "text/csv", "CSV")
PNG = FileType("png", "image/png", "PNG image")
JPEG = FileType("jpg", "image/jpeg", "JPEG image")
EML = FileType("eml", "message/rfc822", "email (EML)")
MSG = FileType("msg", "application/vnd.ms-outlook", "Outlook message (MSG)")

BY_EXTENSION = {t.extension: t for t in (PDF, DOCX, XLSX, CSV, PNG, JPEG, EML, MSG)} | {"jpeg": JPEG}
ALLOWED = "PDF, DOCX, XLSX, CSV, PNG, JPEG, EML or MSG"

MAGIC = {
    PDF: b"%PDF-",
    PNG: b"\x89PNG\r\n\x1a\n",
    JPEG: b"\xff\xd8\xff",
    MSG: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # an OLE2 compound file, as Outlook saves a message
}
# The main part each Office type declares in [Content_Types].xml.
MAIN_PART = {
    DOCX: b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
ZIP_MAGIC = b"PK\x03\x04"
HEADER_LINE = re.compile(rb"^[A-Za-z0-9-]+:[ \t]")
EMAIL_HEADERS = (b"from:", b"date:", b"subject:", b"to:", b"message-id:", b"received:")


def type_of_name(name: str) -> FileType:
    """The type a file's name claims; refused unless it is one of the allowed ones."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in BY_EXTENSION:
        raise ValidationError(f"“{name}” is not a file this system keeps: upload a {ALLOWED} file.", code="type")
    return BY_EXTENSION[extension]


def check(file, name: str) -> FileType:
    """The type of `file` (an open binary file), if its content is what its name says; refused otherwise."""
    claimed = type_of_name(name)
    file.seek(0)
    head = file.read(TEXT_SAMPLE_BYTES)
    file.seek(0)
    if claimed in MAGIC:
        ok = head.startswith(MAGIC[claimed])
    elif claimed in MAIN_PART:
        ok = head.startswith(ZIP_MAGIC) and MAIN_PART[claimed] in content_types(file)
    elif claimed is CSV:
        ok = is_text(head)
    else:
        ok = is_text(head) and looks_like_email(head)
    if not ok:
        raise ValidationError(
            f"“{name}” is not a {claimed.label} file, whatever its name says: its content is something else.",
            code="content",
        )
    return claimed


def content_types(file) -> bytes:
    """The `[Content_Types].xml` part of an Office file, read within bounds; refused if the zip is a bomb."""
    try:
        archive = zipfile.ZipFile(file)
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise ValidationError(
                f"This file would unpack to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB: it is refused.",
                code="zip_bomb",
            )
        info = archive.getinfo(CONTENT_TYPES_PART)
        if info.file_size > MAX_CONTENT_TYPES_BYTES:
            return b""
        with archive.open(info) as part:
            return part.read(MAX_CONTENT_TYPES_BYTES)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, NotImplementedError):
        return b""
    finally:
        file.seek(0)


def is_text(head: bytes) -> bool:
    """Text in UTF-8 (or Windows-1252, as older spreadsheets save CSV), without the NUL bytes of a binary."""
    if b"\x00" in head or any(head.startswith(magic) for magic in (*MAGIC.values(), ZIP_MAGIC, b"MZ", b"\x7fELF")):
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3:  # the sample cut a character in two
            return True
    try:
        head.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def looks_like_email(head: bytes) -> bool:
    """An RFC 5322 message: it opens with header lines, among them one an email always has."""
    lines = head.lstrip().splitlines()[:50]
    return (
        bool(lines)
        and HEADER_LINE.match(lines[0]) is not None
        and any(line.lower().startswith(EMAIL_HEADERS) for line in lines)
    )
