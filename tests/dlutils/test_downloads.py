import hashlib
import http.server
import io
import os
import re
import shutil
import socket
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from dlutils import DownloadError, download, extract_archive
from dlutils.downloads import CHUNK, cache_dir, sha256_of

PAYLOAD = b"IDX data, more or less\n" * 500
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class Server:
    """A local HTTP server whose routes say what to send; it counts the requests it gets."""

    def __init__(self):
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                kind, body = server.routes.get(self.path, ("missing", b""))
                if kind == "missing":
                    self.send_error(404)
                elif kind == "ok":
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif kind == "short":  # promises more than it sends, then hangs up
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body) + 1000))
                    self.end_headers()
                    self.wfile.write(body)
                    self.close_connection = True
                elif kind == "chunked-cut":  # a chunked response that stops before its last chunk
                    self.protocol_version = "HTTP/1.1"
                    self.send_response(200)
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(body), body))
                    self.close_connection = True

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def serve(self, path: str, body: bytes = PAYLOAD, kind: str = "ok") -> str:
        self.routes[path] = (kind, body)
        return self.url(path)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = Server()
    yield server
    server.close()


@pytest.fixture
def dead_url() -> str:
    """A URL on a port where nothing listens: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/file.gz"


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_download_fetches_and_checks_a_file(server, tmp_path):
    path = download(server.serve("/data/file.gz"), SHA, "file.gz", folder=tmp_path, timeout=5)
    assert path == tmp_path / "file.gz"
    assert path.read_bytes() == PAYLOAD
    assert files_in(tmp_path) == ["file.gz"]  # no temporary file left behind
    assert server.requests == ["/data/file.gz"]


def test_download_creates_the_folder(server, tmp_path):
    folder = tmp_path / "a" / "b"
    assert (
        download(server.serve("/f"), SHA, "file.gz", folder=str(folder), timeout=5).read_bytes()
        == PAYLOAD
    )


def test_a_cached_file_is_reused_without_a_request(server, tmp_path):
    url = server.serve("/file.gz")
    first = download(url, SHA, "file.gz", folder=tmp_path, timeout=5)
    mtime = first.stat().st_mtime_ns
    second = download(url, SHA, "file.gz", folder=tmp_path, timeout=5)
    assert second == first and second.stat().st_mtime_ns == mtime
    assert len(server.requests) == 1


def test_a_checksum_mismatch_raises_and_saves_nothing(server, tmp_path):
    url = server.serve("/file.gz", b"not the expected bytes")
    with pytest.raises(DownloadError, match="checksum mismatch.*was not saved"):
        download(url, SHA, "file.gz", folder=tmp_path, timeout=5)
    assert files_in(tmp_path) == []  # no file, and no *.part leftovers


def test_a_connection_closed_early_raises_and_saves_nothing(server, tmp_path):
    url = server.serve("/file.gz", kind="short")
    with pytest.raises(
        DownloadError,
        match=f"connection closed after {len(PAYLOAD)} of {len(PAYLOAD) + 1000} bytes",
    ):
        download(url, SHA, "file.gz", folder=tmp_path, timeout=5)
    assert files_in(tmp_path) == []


def test_a_cut_chunked_transfer_raises_download_error_and_saves_nothing(server, tmp_path):
    url = server.serve("/file.gz", kind="chunked-cut")
    with pytest.raises(DownloadError, match="could not download file.gz"):
        download(url, SHA, "file.gz", folder=tmp_path, timeout=5)
    assert files_in(tmp_path) == []


def test_a_corrupted_cached_file_is_replaced(server, tmp_path):
    (tmp_path / "file.gz").write_bytes(b"half a fi")
    path = download(server.serve("/file.gz"), SHA, "file.gz", folder=tmp_path, timeout=5)
    assert path.read_bytes() == PAYLOAD
    assert len(server.requests) == 1
    assert files_in(tmp_path) == ["file.gz"]


def test_a_dead_first_mirror_falls_back_to_the_second(server, tmp_path, dead_url):
    path = download(
        [dead_url, server.serve("/file.gz")], SHA, "file.gz", folder=tmp_path, timeout=5
    )
    assert path.read_bytes() == PAYLOAD


@pytest.mark.parametrize(
    "kind, body",
    [("missing", b""), ("ok", b"wrong bytes"), ("short", PAYLOAD), ("chunked-cut", PAYLOAD)],
)
def test_any_failing_first_mirror_falls_back_to_the_second(server, tmp_path, kind, body):
    urls = [server.serve("/bad", body, kind=kind), server.serve("/good")]
    assert download(urls, SHA, "file.gz", folder=tmp_path, timeout=5).read_bytes() == PAYLOAD
    assert server.requests == ["/bad", "/good"]
    assert files_in(tmp_path) == ["file.gz"]


def test_the_first_working_mirror_wins(server, tmp_path):
    download(
        [server.serve("/one"), server.serve("/two")], SHA, "file.gz", folder=tmp_path, timeout=5
    )
    assert server.requests == ["/one"]


def test_an_unreachable_url_says_which_profiles_work_offline(tmp_path, dead_url):
    with pytest.raises(DownloadError) as caught:
        download(dead_url, SHA, "file.gz", folder=tmp_path, timeout=5)
    message = str(caught.value)
    assert "could not download file.gz" in message and dead_url in message
    assert "the 'fast' and 'default' profiles work offline" in message
    assert str(tmp_path) in message
    assert files_in(tmp_path) == []


def test_every_failed_mirror_is_listed(server, tmp_path, dead_url):
    missing = server.url("/nothing-here")
    with pytest.raises(
        DownloadError,
        match="(?s)" + re.escape(dead_url) + ".*" + re.escape(missing) + ".*Not Found",
    ):
        download([dead_url, missing], SHA, "file.gz", folder=tmp_path, timeout=5)


@pytest.mark.parametrize("filename", ["../x", "a/b", "/etc/passwd", "", ".", ".."])
def test_filenames_with_folders_are_rejected(tmp_path, filename):
    with pytest.raises(ValueError, match="filename must be a plain file name"):
        download("http://127.0.0.1:9/x", SHA, filename, folder=tmp_path)


@pytest.mark.parametrize("sha256", ["", "abc", SHA.upper(), SHA[:-1], SHA + "0", "g" * 64])
def test_bad_checksums_are_rejected(tmp_path, sha256):
    with pytest.raises(ValueError, match="sha256 must be 64 lowercase hex digits"):
        download("http://127.0.0.1:9/x", sha256, "file.gz", folder=tmp_path)


def test_no_urls_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="at least one URL"):
        download([], SHA, "file.gz", folder=tmp_path)


def test_a_folder_that_cannot_be_created_mentions_dlutils_data(tmp_path):
    (tmp_path / "file.txt").write_text("a file, not a folder")
    with pytest.raises(DownloadError, match="cannot create the data folder.*set DLUTILS_DATA"):
        download("http://127.0.0.1:9/x", SHA, "file.gz", folder=tmp_path / "file.txt" / "sub")


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root ignores directory permissions, so chmod 0o500 cannot make a folder unwritable",
)
def test_an_unwritable_folder_mentions_dlutils_data(tmp_path, dead_url):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(DownloadError, match="not writable.*set DLUTILS_DATA"):
            download(dead_url, SHA, "file.gz", folder=folder, timeout=5)
    finally:
        folder.chmod(0o700)


def test_a_cached_file_in_a_read_only_folder_is_still_used(server, tmp_path):
    download(server.serve("/file.gz"), SHA, "file.gz", folder=tmp_path, timeout=5)
    tmp_path.chmod(0o500)
    try:
        assert (
            download(server.url("/file.gz"), SHA, "file.gz", folder=tmp_path).read_bytes()
            == PAYLOAD
        )
    finally:
        tmp_path.chmod(0o700)
    assert len(server.requests) == 1


def test_cache_dir_honours_dlutils_data(monkeypatch, tmp_path):
    monkeypatch.setenv("DLUTILS_DATA", str(tmp_path / "data"))
    assert cache_dir() == tmp_path / "data"


def test_cache_dir_expands_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("DLUTILS_DATA", "~/datasets")
    assert cache_dir() == tmp_path / "datasets"


def test_cache_dir_defaults_to_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("DLUTILS_DATA", raising=False)
    assert cache_dir() == tmp_path / ".cache" / "dlutils"


def test_download_without_a_folder_uses_dlutils_data(server, monkeypatch, tmp_path):
    monkeypatch.setenv("DLUTILS_DATA", str(tmp_path / "cache"))
    path = download(server.serve("/file.gz"), SHA, "file.gz", timeout=5)
    assert path == tmp_path / "cache" / "file.gz" and path.read_bytes() == PAYLOAD


def test_sha256_of_hashes_a_file_in_chunks(tmp_path):
    data = PAYLOAD * (CHUNK // len(PAYLOAD) + 2)  # more than one chunk
    (tmp_path / "big").write_bytes(data)
    assert sha256_of(tmp_path / "big") == hashlib.sha256(data).hexdigest()


def test_sha256_of_a_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing"):
        sha256_of(tmp_path / "missing")


FILES = {"data/train.bin": PAYLOAD, "data/labels.txt": b"0 1 2\n", "README": b"read me\n"}


def build(path: Path, files: dict[str, bytes], links=()) -> Path:
    """A zip or tar (by suffix) holding ``files``, and for tar ``(name, type, target)`` links."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        return path
    with tarfile.open(path, "w" if path.suffix == ".tar" else "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, kind, target in links:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, target
            archive.addfile(info)
    return path


def names_in(path: Path) -> list[str]:
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    with tarfile.open(path) as archive:
        return archive.getnames()


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("name", ["data.zip", "data.tar.gz", "data.tgz", "data.tar", "DATA.ZIP"])
def test_extract_archive_unpacks_every_file(tmp_path, name):
    archive = build(tmp_path / name, FILES)
    folder = tmp_path / "out" / "nested"  # created, parents too
    assert extract_archive(str(archive), str(folder)) == folder
    assert tree(folder) == FILES
    assert files_in(tmp_path) == sorted([name, "out"])  # no temporary folder left behind
    assert files_in(tmp_path / "out") == ["nested"]


def test_extract_archive_replaces_entries_of_the_same_name(tmp_path):
    folder = tmp_path / "out"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "stale.bin").write_bytes(b"from an older version")
    (folder / "README").write_bytes(b"old read me")
    (folder / "notes.txt").write_bytes(b"not in the archive")
    extract_archive(build(tmp_path / "data.tar.gz", FILES), folder)
    assert tree(folder) == {**FILES, "notes.txt": b"not in the archive"}


def test_extract_archive_keeps_a_symlink_that_stays_inside(tmp_path):
    archive = build(
        tmp_path / "data.tar.gz", FILES, [("data/latest", tarfile.SYMTYPE, "train.bin")]
    )
    folder = extract_archive(archive, tmp_path / "out")
    assert (folder / "data" / "latest").is_symlink()
    assert (folder / "data" / "latest").read_bytes() == PAYLOAD


def assert_nothing_extracted(tmp_path: Path, archive: Path) -> None:
    assert files_in(tmp_path / "out") == []
    assert files_in(tmp_path) == sorted([archive.name, "out"])  # no evil, no temporary folder
    assert not (tmp_path / "evil").exists()


@pytest.mark.parametrize("suffix", [".zip", ".tar.gz"])
@pytest.mark.parametrize(
    "member, why",
    [
        ("../evil", "leads outside the target folder"),
        ("a/../../evil", "leads outside the target folder"),
        ("a/b/../../../evil", "leads outside the target folder"),
        ("..\\evil", "leads outside the target folder"),
        ("a/../inside", "has '..' in its path"),  # tarfile fails on it, zipfile drops the '..'
        ("a/../b/../../evil", "leads outside the target folder"),
        ("/abs/path", "is an absolute path"),
        ("C:/evil", "starts with a drive letter"),
    ],
)
def test_extract_archive_refuses_members_outside_the_folder(tmp_path, suffix, member, why):
    # The harmless file comes first: an extractor that checks as it goes would write it.
    archive = build(tmp_path / f"data{suffix}", {"README": b"harmless", member: b"evil"})
    assert member in names_in(archive)  # the archive really holds the bad name
    (tmp_path / "out").mkdir()
    with pytest.raises(DownloadError) as caught:
        extract_archive(archive, tmp_path / "out")
    message = str(caught.value)
    assert f"refusing to unpack {archive}" in message and repr(member) in message
    assert why in message and "the archive was not extracted" in message
    assert_nothing_extracted(tmp_path, archive)


@pytest.mark.parametrize(
    "links, match",
    [
        ([("link", tarfile.SYMTYPE, "../evil")], "'link' links to '../evil', which leads outside"),
        ([("a/b/link", tarfile.SYMTYPE, "../../..")], "'a/b/link' links to '../../..', which"),
        ([("link", tarfile.SYMTYPE, "/etc/passwd")], "which is an absolute path"),
        ([("hard", tarfile.LNKTYPE, "../evil")], "'hard' links to '../evil', which leads outside"),
        # Each stays inside on its own, but d/up is the top folder, so d/up/.. is outside it.
        (
            [("d/up", tarfile.SYMTYPE, ".."), ("out", tarfile.SYMTYPE, "d/up/..")],
            "'out' links to 'd/up/..', which goes through the symbolic link 'd/up'",
        ),
        (
            [("link", tarfile.SYMTYPE, "README"), ("link/evil", tarfile.REGTYPE, "")],
            "'link/evil' goes through the symbolic link 'link'",
        ),
        ([("pipe", tarfile.FIFOTYPE, "")], "'pipe' is a device, FIFO or other special file"),
        ([("tty", tarfile.CHRTYPE, "")], "'tty' is a device, FIFO or other special file"),
        ([("disk", tarfile.BLKTYPE, "")], "'disk' is a device, FIFO or other special file"),
    ],
)
def test_extract_archive_refuses_links_outside_and_devices(tmp_path, links, match):
    archive = build(tmp_path / "data.tar.gz", {"README": b"harmless"}, links)
    (tmp_path / "out").mkdir()
    with pytest.raises(DownloadError, match=re.escape(match) + ".*the archive was not extracted"):
        extract_archive(archive, tmp_path / "out")
    assert_nothing_extracted(tmp_path, archive)


@pytest.mark.parametrize(
    "name, damage",
    [
        pytest.param("data.zip", lambda data: data[: len(data) // 2], id="zip-halved"),
        pytest.param("data.tar.gz", lambda data: data[: len(data) // 2], id="tar.gz-halved"),
        pytest.param("data.tar.gz", lambda data: data[:-4], id="tar.gz-without-gzip-trailer"),
        pytest.param("data.tar", lambda data: data[:1000], id="tar-cut-in-a-member"),
        # Byte 80 lies in the compressed data of the first member, data/train.bin.
        pytest.param("data.zip", lambda d: d[:80] + bytes([d[80] ^ 1]) + d[81:], id="zip-bit-flip"),
    ],
)
def test_extract_archive_reports_a_corrupt_file(tmp_path, name, damage):
    archive = build(tmp_path / name, {**FILES, "data/labels.txt": b"0 1 2" * 100})
    original = archive.read_bytes()
    archive.write_bytes(damage(original))
    assert archive.read_bytes() != original
    with pytest.raises(DownloadError) as caught:
        extract_archive(archive, tmp_path / "out")
    message = str(caught.value)
    assert f"{archive} is corrupt or truncated" in message
    assert "delete it and download it again" in message
    assert not (tmp_path / "out").exists() or files_in(tmp_path / "out") == []
    assert set(files_in(tmp_path)) <= {name, "out"}  # no temporary folder left behind


@pytest.mark.skipif(not hasattr(tarfile, "data_filter"), reason="needs tarfile's data filter")
def test_tarfiles_data_filter_is_a_second_line_of_defence(tmp_path, monkeypatch):
    monkeypatch.setattr("dlutils.archives._check_tar", lambda archive, members: None)
    archive = build(tmp_path / "data.tar.gz", FILES, [("link", tarfile.SYMTYPE, "../evil")])
    (tmp_path / "out").mkdir()
    with pytest.raises(DownloadError, match="'link' was refused by tarfile's data filter"):
        extract_archive(archive, tmp_path / "out")
    assert_nothing_extracted(tmp_path, archive)


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("name, writer", [("data.zip", shutil), ("data.tar.gz", tarfile)])
def test_an_interrupted_extraction_leaves_the_folder_as_it_was(
    tmp_path, monkeypatch, name, writer
):
    archive = build(tmp_path / name, FILES)
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "README").write_bytes(b"old read me")
    copy, copies = writer.copyfileobj, []

    def copy_then_stop(*args, **kwargs):  # writes the first member, stops in the second
        if copies:
            raise Interrupted
        copies.append(copy(*args, **kwargs))

    monkeypatch.setattr(writer, "copyfileobj", copy_then_stop)
    with pytest.raises(Interrupted):
        extract_archive(archive, folder)
    assert copies  # a member was written somewhere before the interruption
    assert tree(folder) == {"README": b"old read me"}
    assert files_in(tmp_path) == sorted([name, "out"])


@pytest.mark.parametrize("name", ["data.rar", "data.gz", "data.tar.bz2", "data"])
def test_extract_archive_rejects_unknown_formats(tmp_path, name):
    (tmp_path / name).write_bytes(b"whatever")
    with pytest.raises(ValueError, match=r"supported archive formats are \.zip, \.tar, \.tar\.gz"):
        extract_archive(tmp_path / name, tmp_path / "out")
    assert not (tmp_path / "out").exists()
