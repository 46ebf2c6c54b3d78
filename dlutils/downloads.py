"""Downloading data sets for the ``full`` profile: checksummed, cached, atomic.

The ``fast`` and ``default`` profiles never call this module; their data ship with installed
packages. A download is written to a temporary file next to its destination, its SHA-256 is
checked, and only then is it renamed into place, so an interrupted or corrupted transfer never
leaves a half-written file that a later run would trust.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.request
from collections.abc import Sequence
from pathlib import Path

CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A file could not be fetched, or what arrived was not the expected file."""


def cache_dir() -> Path:
    """Where downloads are kept: ``$DLUTILS_DATA`` if set, else ``~/.cache/dlutils``."""
    return Path(os.environ.get("DLUTILS_DATA", Path.home() / ".cache" / "dlutils")).expanduser()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch(url: str, destination: Path, sha256: str, timeout: float) -> None:
    """Stream ``url`` into a temporary file beside ``destination``; rename it there if the hash matches."""
    handle, temporary = tempfile.mkstemp(
        dir=destination.parent, prefix=destination.name + ".", suffix=".part"
    )
    try:
        digest = hashlib.sha256()
        with (
            os.fdopen(handle, "wb") as out,
            urllib.request.urlopen(url, timeout=timeout) as response,
        ):
            expected_size = response.headers.get("Content-Length")
            received = 0
            while chunk := response.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        if expected_size is not None and received != int(expected_size):
            raise DownloadError(f"the connection closed after {received} of {expected_size} bytes")
        if digest.hexdigest() != sha256:
            raise DownloadError(
                f"checksum mismatch (expected sha256 {sha256}, got {digest.hexdigest()}); "
                "the file was not saved. The mirror may have changed the file or the transfer was corrupted."
            )
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def download(
    urls: str | Sequence[str],
    sha256: str,
    filename: str,
    *,
    folder: str | os.PathLike | None = None,
    timeout: float = 30.0,
) -> Path:
    """Return the path of ``filename`` in the cache, downloading it from the first URL that works.

    A cached file is used only if its SHA-256 matches; otherwise it is fetched again.
    """
    if isinstance(urls, str):
        urls = [urls]
    if not urls:
        raise ValueError("download needs at least one URL")
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"sha256 must be 64 lowercase hex digits, got {sha256!r}")
    if Path(filename).name != filename or filename in ("", ".", ".."):
        raise ValueError(f"filename must be a plain file name without folders, got {filename!r}")
    target_dir = Path(folder) if folder is not None else cache_dir()
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadError(
            f"cannot create the data folder {target_dir}: {error}; set DLUTILS_DATA to a writable folder"
        ) from error
    destination = target_dir / filename
    if destination.exists() and sha256_of(destination) == sha256:
        return destination
    if not os.access(target_dir, os.W_OK):
        raise DownloadError(
            f"the data folder {target_dir} is not writable; set DLUTILS_DATA to a writable folder"
        )
    problems = []
    for url in urls:
        try:
            _fetch(url, destination, sha256, timeout)
            return destination
        # OSError covers no network, refused connections and timeouts; HTTPException covers
        # transfers cut short (IncompleteRead); DownloadError, wrong sizes and checksums.
        except (OSError, http.client.HTTPException, DownloadError) as error:
            problems.append(f"  {url}: {getattr(error, 'reason', error)}")
    raise DownloadError(
        f"could not download {filename}:\n" + "\n".join(problems) + "\n"
        "Only the 'full' profile downloads data; the 'fast' and 'default' profiles work offline. "
        f"If you are offline, use one of them, or copy the file into {target_dir} by hand."
    )
