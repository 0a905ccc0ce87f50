"""A fake Hugging Face hub on 127.0.0.1 that serves one model repo from a folder.

It implements just what ``huggingface_hub`` 2.4 uses for ``snapshot_download(dry_run=True)`` and
``hf_hub_download`` over plain HTTP:

* ``GET /api/models/{repo}`` and ``GET /api/models/{repo}/revision/{rev}``: the repo info, with
  ``sha`` (the commit) and ``siblings``;
* ``GET /api/models/{repo}/tree/{rev}``: the recursive file listing (``type``, ``path``, ``size``,
  ``oid``, and ``lfs`` for weight-like files), in one page;
* ``HEAD`` and ``GET /{repo}/resolve/{rev}/{file}``: ``X-Repo-Commit``, ``ETag`` (git blob sha1, or
  the sha256 for LFS-like files, which also get ``X-Linked-Etag``/``X-Linked-Size``),
  ``Content-Length`` and ``Accept-Ranges``; a ``Range: bytes=N-`` (or ``N-M``) GET is answered
  with ``206`` and ``Content-Range``;
* 404 with ``X-Error-Code`` (``RepoNotFound``, ``RevisionNotFound``, ``EntryNotFound``) otherwise.

It never sends ``X-Xet-*`` headers, so the client downloads with plain HTTP GETs. Knobs for tests:
``throttle_s`` (sleep after each body chunk), ``fail_after`` (file name -> drop the connection
after that many body bytes, once), ``hold_api`` (an event the repo info waits for) and
``hold_files`` (file name -> an event its body waits for after the first chunk), so a test can
look at the client mid-way, and ``requests`` (what was asked, with the ``Range`` header).
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

LFS_SUFFIXES = (".bin", ".safetensors", ".h5", ".msgpack", ".ot", ".onnx", ".pt", ".pth")
API_INFO = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)(?:/revision/(?P<rev>[^/]+))?$")
API_TREE = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)/tree/(?P<rev>[^/]+)(?:/(?P<sub>.*))?$")
RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$")
RANGE = re.compile(r"^bytes=(?P<start>\d+)-(?P<end>\d*)$")
HOLD_TIMEOUT_S = 30.0  # a held request goes on after this, so a broken test cannot hang


@dataclass(frozen=True)
class RecordedRequest:
    """One request the hub answered (or started to answer)."""

    method: str
    path: str  # URL-decoded, without the query string
    range: str | None


@dataclass(frozen=True)
class HubFile:
    """One file of the repo, with the identifiers the hub gives it."""

    path: str
    data: bytes
    git_oid: str  # git blob sha1
    sha256: str
    lfs: bool

    @property
    def etag(self) -> str:
        return self.sha256 if self.lfs else self.git_oid


def hub_file(path: str, data: bytes) -> HubFile:
    git_oid = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    return HubFile(
        path=path,
        data=data,
        git_oid=git_oid,
        sha256=hashlib.sha256(data).hexdigest(),
        lfs=path.endswith(LFS_SUFFIXES),
    )


class FakeHub:
    """Serves ``folder`` as the model repo ``repo_id`` at ``url`` until ``stop``."""

    def __init__(self, repo_id: str, folder: Path, chunk_size: int = 4096) -> None:
        self.repo_id = repo_id
        self.files: dict[str, HubFile] = {
            item.relative_to(folder).as_posix(): hub_file(
                item.relative_to(folder).as_posix(), item.read_bytes()
            )
            for item in sorted(folder.rglob("*"))
            if item.is_file()
        }
        listing = "".join(f"{f.path} {f.etag}\n" for f in self.files.values())
        self.commit = hashlib.sha1(listing.encode()).hexdigest()
        self.chunk_size = chunk_size
        self.throttle_s = 0.0
        self.fail_after: dict[str, int] = {}
        self.hold_api: threading.Event | None = None
        self.hold_files: dict[str, threading.Event] = {}
        self.requests: list[RecordedRequest] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-hub")

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeHub:
        if not self.thread.is_alive():
            self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what was asked ------------------------------------------------------------------------
    def record(self, request: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(request)

    def file_requests(self, filename: str, method: str = "GET") -> list[RecordedRequest]:
        """The requests for ``/{repo}/resolve/*/{filename}`` with ``method``."""
        suffix = f"/{filename}"
        prefix = f"/{self.repo_id}/resolve/"
        with self.lock:
            return [
                r
                for r in self.requests
                if r.method == method and r.path.startswith(prefix) and r.path.endswith(suffix)
            ]

    def downloaded_files(self) -> set[str]:
        """The names of the files fetched with GET (whole or in part)."""
        prefix = f"/{self.repo_id}/resolve/"
        with self.lock:
            paths = [r.path for r in self.requests if r.method == "GET"]
        return {p[len(prefix) :].split("/", 1)[1] for p in paths if p.startswith(prefix)}

    def revision_ok(self, revision: str) -> bool:
        return revision in ("main", self.commit)


def _handler_for(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_HEAD(self) -> None:
            self.answer(body=False)

        def do_GET(self) -> None:
            self.answer(body=True)

        # -- routing ---------------------------------------------------------------------------
        def answer(self, body: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            hub.record(RecordedRequest(self.command, path, self.headers.get("Range")))
            if match := RESOLVE.match(path):
                self.resolve(match["repo"], match["rev"], match["file"], body)
            elif body and (match := API_TREE.match(path)):
                self.tree(match["repo"], match["rev"], match["sub"] or "")
            elif body and (match := API_INFO.match(path)):
                self.info(match["repo"], match["rev"] or "main")
            else:
                self.error(404, "NotFound", "Not found")

        def check_repo(self, repo: str, revision: str) -> bool:
            if repo != hub.repo_id:
                self.error(404, "RepoNotFound", "Repository not found")
                return False
            if not hub.revision_ok(revision):
                self.error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
                return False
            return True

        def info(self, repo: str, revision: str) -> None:
            if not self.check_repo(repo, revision):
                return
            if hub.hold_api is not None:
                hub.hold_api.wait(HOLD_TIMEOUT_S)
            self.send_json(
                {
                    "_id": "fake",
                    "id": hub.repo_id,
                    "modelId": hub.repo_id,
                    "sha": hub.commit,
                    "private": False,
                    "disabled": False,
                    "gated": False,
                    "downloads": 0,
                    "likes": 0,
                    "tags": [],
                    "lastModified": "2024-01-01T00:00:00.000Z",
                    "siblings": [{"rfilename": name} for name in hub.files],
                }
            )

        def tree(self, repo: str, revision: str, sub: str) -> None:
            if not self.check_repo(repo, revision):
                return
            entries: list[dict[str, Any]] = []
            for f in hub.files.values():
                if sub and not f.path.startswith(sub.rstrip("/") + "/"):
                    continue
                entry: dict[str, Any] = {
                    "type": "file",
                    "oid": f.git_oid,
                    "size": len(f.data),
                    "path": f.path,
                }
                if f.lfs:
                    entry["lfs"] = {"oid": f.sha256, "size": len(f.data), "pointerSize": 134}
                entries.append(entry)
            self.send_json(entries)

        def resolve(self, repo: str, revision: str, filename: str, body: bool) -> None:
            if not self.check_repo(repo, revision):
                return
            item = hub.files.get(filename)
            if item is None:
                self.error(404, "EntryNotFound", f"{filename} does not exist on {revision}")
                return
            size = len(item.data)
            start, end = 0, size - 1
            requested = self.headers.get("Range") if body else None
            if requested is not None:
                match = RANGE.match(requested.strip())
                if match is None or int(match["start"]) >= size:
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                start = int(match["start"])
                end = min(int(match["end"]), size - 1) if match["end"] else size - 1
            self.send_response(206 if requested is not None else 200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("X-Repo-Commit", hub.commit)
            self.send_header("ETag", f'"{item.etag}"')
            if item.lfs:
                self.send_header("X-Linked-Etag", f'"{item.sha256}"')
                self.send_header("X-Linked-Size", str(size))
            if requested is not None:
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.send_header("Content-Length", str(end - start + 1))
            self.end_headers()
            if body:
                self.send_body(item, item.data[start : end + 1])

        # -- writing ---------------------------------------------------------------------------
        def send_body(self, item: HubFile, data: bytes) -> None:
            with hub.lock:
                drop_after = hub.fail_after.pop(item.path, None)
            sent = 0
            while sent < len(data):
                step = hub.chunk_size
                if drop_after is not None:
                    step = min(step, drop_after - sent)
                    if step <= 0:
                        self.drop_connection()
                        return
                try:
                    self.wfile.write(data[sent : sent + step])
                    self.wfile.flush()
                except OSError:  # the client went away (a cancelled download)
                    self.close_connection = True
                    return
                sent += step
                if sent == step and (hold := hub.hold_files.get(item.path)) is not None:
                    hold.wait(HOLD_TIMEOUT_S)
                if hub.throttle_s:
                    time.sleep(hub.throttle_s)

        def drop_connection(self) -> None:
            """Cut the connection mid-body, as a flaky network would."""
            self.close_connection = True
            try:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        def send_json(self, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def error(self, status: int, code: str, message: str) -> None:
            data = json.dumps({"error": message}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Error-Code", code)
            self.send_header("X-Error-Message", message)
            self.send_header("X-Repo-Commit", hub.commit)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

    return Handler
