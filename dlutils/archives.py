"""Unpacking downloaded archives safely: nothing lands outside the target folder.

A malicious or broken archive can hold members named ``../../.bashrc`` or ``/etc/passwd``, or links
that point out of the folder. Every member is checked before anything is written, the archive is
unpacked into a temporary folder beside the target, and only then moved into place.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Collection, Sequence
from pathlib import Path

from .downloads import CHUNK, DownloadError

ARCHIVE_FORMATS = (".zip", ".tar", ".tar.gz", ".tgz")
_DRIVE = re.compile(r"[A-Za-z]:")
# What a damaged zip, tar or gzip file raises while it is read. FilterError (Python >= 3.10.12)
# is a TarError too, but means a refused member, not a damaged file, so it is caught first.
_CORRUPT = (zipfile.BadZipFile, tarfile.TarError, gzip.BadGzipFile, EOFError, zlib.error)
_FILTER_ERROR = getattr(tarfile, "FilterError", ())


def _resolve(path: str, start: Sequence[str] = (), links: Collection[str] = ()) -> list[str]:
    """The parts of ``path``, read from the folder ``start`` (a list of parts) inside the target.

    Raises ValueError saying why if ``path`` is absolute, starts with a drive letter, climbs out of
    the target with ``..``, or goes through one of ``links``: where the archive's own symbolic
    links lead is only known on disk, so no path may pass through one.
    """
    path = path.replace("\\", "/")  # Windows reads a backslash as a separator
    if path.startswith("/"):
        raise ValueError("is an absolute path")
    if _DRIVE.match(path):
        raise ValueError("starts with a drive letter")
    parts = list(start)
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if parts and "/".join(parts) in links:
            raise ValueError(f"goes through the symbolic link {'/'.join(parts)!r} in the archive")
        if part == "..":
            if not parts:
                raise ValueError("leads outside the target folder")
            parts.pop()
        else:
            parts.append(part)
    return parts


def _refused(archive: Path, member: str, why: object) -> DownloadError:
    return DownloadError(
        f"refusing to unpack {archive}: the member {member!r} {why}, so the archive was not "
        "extracted. Delete it and check where it came from."
    )


def _member_parts(archive: Path, name: str) -> list[str]:
    """The parts of a member's name; ``..`` is refused even inside, as tar and zip differ on it."""
    try:
        parts = _resolve(name)
    except ValueError as why:
        raise _refused(archive, name, why) from None
    if ".." in name.replace("\\", "/").split("/"):
        raise _refused(archive, name, "has '..' in its path")
    return parts


def _check_zip(archive: Path, opened: zipfile.ZipFile) -> None:
    for info in opened.infolist():
        _member_parts(archive, info.filename)


def _check_tar(archive: Path, members: list[tarfile.TarInfo]) -> None:
    parts = {member.name: _member_parts(archive, member.name) for member in members}
    links = {"/".join(parts[member.name]) for member in members if member.issym()}
    for member in members:
        if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
            raise _refused(archive, member.name, "is a device, FIFO or other special file")
        try:
            _resolve(member.name, links=links)
        except ValueError as why:
            raise _refused(archive, member.name, why) from None
        if member.issym() or member.islnk():
            # A symbolic link's target is read from the link's folder, a hard link's from the top.
            start = parts[member.name][:-1] if member.issym() else []
            try:
                _resolve(member.linkname, start, links)
            except ValueError as why:
                why = f"links to {member.linkname!r}, which {why}"
                raise _refused(archive, member.name, why) from None


def extract_archive(archive: str | os.PathLike, folder: str | os.PathLike) -> Path:
    """Unpack a .zip, .tar, .tar.gz or .tgz ``archive`` into ``folder`` (created if missing).

    Every member is checked before anything is written: an archive with a member that would land
    outside ``folder`` (an absolute path, a drive letter, ``..``, a link leading out) or a device
    file is refused whole. It is unpacked into a temporary folder beside ``folder``, then each
    top-level entry is renamed into ``folder``, replacing an entry of the same name there.
    """
    archive, folder = Path(archive), Path(folder)
    name = archive.name.lower()
    if name.endswith(".zip"):
        mode = None
    elif name.endswith(".tar"):
        mode = "r:"
    elif name.endswith((".tar.gz", ".tgz")):
        mode = "r:gz"
    else:
        raise ValueError(
            f"cannot unpack {archive.name}: the supported archive formats are "
            + ", ".join(ARCHIVE_FORMATS)
        )
    try:
        opened = zipfile.ZipFile(archive) if mode is None else tarfile.open(archive, mode)
        with opened:
            if mode is None:
                _check_zip(archive, opened)  # zip checks each member's CRC as it extracts it
            else:
                members = opened.getmembers()  # reads every header: finds most truncated files
                _check_tar(archive, members)
                if mode == "r:gz":  # gzip checks its CRC and length only at the very end
                    while opened.fileobj.read(CHUNK):
                        pass
            try:
                folder.mkdir(parents=True, exist_ok=True)
                beside = folder.resolve().parent  # same file system, so os.replace works
                prefix = f".{folder.name}."
                temporary = Path(tempfile.mkdtemp(suffix=".part", prefix=prefix, dir=beside))
            except OSError as error:
                raise DownloadError(
                    f"cannot create {folder} or a temporary folder beside it: {error}; "
                    "unpack the archive into a folder you can write to"
                ) from error
            try:
                unpacked, replaced = temporary / "unpacked", temporary / "replaced"
                unpacked.mkdir()
                replaced.mkdir()
                if mode is None:
                    opened.extractall(unpacked)
                elif hasattr(tarfile, "data_filter"):  # Python >= 3.10.12: a second defence
                    opened.extractall(unpacked, members, filter="data")
                else:
                    opened.extractall(unpacked, members)
                unpacked.chmod(0o700)  # a "./" member may have made it read-only
                for entry in unpacked.iterdir():
                    destination = folder / entry.name
                    if os.path.lexists(destination):
                        os.replace(destination, replaced / entry.name)
                    os.replace(entry, destination)
            finally:
                shutil.rmtree(temporary, ignore_errors=True)
    except _FILTER_ERROR as error:
        why = f"was refused by tarfile's data filter ({error})"
        raise _refused(archive, error.tarinfo.name, why) from error
    except _CORRUPT as error:
        raise DownloadError(
            f"{archive} is corrupt or truncated ({error}); delete it and download it again"
        ) from error
    return folder
