"""Atomic file writes and safe file names.

Every file actkit writes goes through ``atomic_write``: the content is written to a
temporary file beside the target and moved into place in one step, so a reader (or an
interrupted run) never sees half a file. Existing files are kept unless ``force``.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import IO, Any

from actkit.errors import InvalidInput, OutputExists

TEMP_SUFFIX = ".actkit-tmp"
"""Suffix of in-flight temporary files, so a resumed run can sweep up after a crash."""


PRIVATE_FILE_MODE = 0o600
"""Letters, manifests and the config hold names and home addresses: owner only (POSIX)."""
PRIVATE_DIR_MODE = 0o700
"""Folders actkit creates for them: owner only (POSIX)."""


def open_private(path: Path, mode: str, **options: Any) -> IO[Any]:
    """``open()`` for files other than atomic writes (a manifest appended row by row): a new
    file is created readable by the owner only."""

    def opener(name: str, flags: int) -> int:
        return os.open(name, flags, PRIVATE_FILE_MODE)

    return open(path, mode, opener=opener, **options)  # the caller closes it


def make_private_dir(directory: Path) -> None:
    """Create ``directory`` (and missing parents) readable by the owner only.

    Existing folders are left as they are: the user chose their permissions.
    """
    missing = []
    for folder in (directory, *directory.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=PRIVATE_DIR_MODE)
    if not directory.is_dir():
        directory.mkdir(parents=True, exist_ok=True)  # raises the right OSError


def atomic_write(
    path: Path, data: str | bytes, *, force: bool = False, durable: bool = True
) -> None:
    """Write ``data`` to ``path`` atomically.

    Raises ``OutputExists`` if ``path`` exists and ``force`` is false; the check and the
    write are one step (a hard link cannot replace an existing name), so two runs cannot
    both win. ``durable`` fsyncs the data first; batch runs that write thousands of
    drafts turn it off and rely on rename atomicity alone.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if not force and path.exists():
        raise _exists(path)
    make_private_dir(path.parent)
    # mkstemp creates the file 0600 already; fchmod says so explicitly (and on systems
    # where mkstemp is looser), so no one else can read a letter or the config.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), PRIVATE_FILE_MODE)
            handle.write(payload)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        _move_into_place(tmp, path, force=force)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def refuse_existing(path: Path | None, *, force: bool) -> None:
    """Fail early, before any work, when ``path`` exists and ``force`` is not given."""
    if path is not None and not force and path.exists():
        raise _exists(path)


def _move_into_place(tmp: Path, path: Path, *, force: bool) -> None:
    if force:
        tmp.replace(path)
        return
    try:
        os.link(tmp, path)  # fails if path appeared meanwhile: never clobbers
    except FileExistsError:
        raise _exists(path) from None
    except OSError:
        # File systems without hard links (some network and FAT mounts).
        if path.exists():
            raise _exists(path) from None
        tmp.replace(path)


def _exists(path: Path) -> OutputExists:
    return OutputExists(f"{path} already exists; use --force to overwrite it")


def read_text(path: Path, what: str, *, error: type[InvalidInput] = InvalidInput) -> str:
    """A UTF-8 text file given by the user, or one clear error saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise error(f"{path}: cannot read the {what}: it is not UTF-8 text") from None
    except OSError as problem:
        raise error(f"{path}: cannot read the {what}: {problem.strerror or problem}") from None


def sweep_temporary_files(directory: Path) -> int:
    """Remove temporary files left by a run that was killed; return how many."""
    removed = 0
    for leftover in directory.glob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
            removed += 1
    return removed


_NOT_WORD_RUN = re.compile(r"-{2,}")
_ASCII_NOT_WORD = re.compile(r"[^a-z0-9]+")
_COMBINING_MARK = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}
)


def slug(text: str, *, max_length: int = 40) -> str:
    """A file-name-safe slug: lower-case letters and digits joined by hyphens, never empty.

    Latin letters lose their accents ("Jörg" → "jorg"); letters of other scripts are kept
    as they are ("محمد", "张伟"), so every supporter's file can be found by name. Nothing
    in ``text`` can add a path separator, a leading dot or a reserved device name.
    """
    if text.isascii():
        # ASCII letters and digits are kept and everything else separates words, as in
        # ``_unicode_slug``: the same slug, without a pass per character.
        return _finish_slug(_ASCII_NOT_WORD.sub("-", text.lower()), max_length)
    return _unicode_slug(text, max_length)


def _unicode_slug(text: str, max_length: int) -> str:
    folded = _COMBINING_MARK.sub("", unicodedata.normalize("NFKD", text))
    # Letters, digits and the marks other scripts write letters with (Devanagari vowel
    # signs, Arabic vowels); everything else separates words.
    kept = "".join(
        c if unicodedata.category(c)[0] in "LNM" else "-"
        for c in unicodedata.normalize("NFC", folded).lower()
    )
    return _finish_slug(_NOT_WORD_RUN.sub("-", kept), max_length)


def _finish_slug(kept: str, max_length: int) -> str:
    cleaned = kept.strip("-")
    cleaned = cleaned[:max_length].rstrip("-")
    if cleaned in _WINDOWS_RESERVED:
        cleaned += "-"
    return cleaned or "untitled"
