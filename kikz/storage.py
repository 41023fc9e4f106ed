"""Content-addressed file store: a file's name is the SHA-256 of its bytes, so equal uploads are stored once."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


class UploadTooLarge(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"Die Datei ist größer als das Limit von {limit:,} Bytes.".replace(",", "."))
        self.limit = limit


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def put(self, stream: BinaryIO, *, max_bytes: int) -> StoredFile:
        """Stream into the store; refuses (and keeps nothing) when the limit is passed."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as tmp:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise UploadTooLarge(max_bytes)
                    digest.update(chunk)
                    tmp.write(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            sha = digest.hexdigest()
            target = self.path_for(sha)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                os.unlink(tmp_name)
            else:
                os.replace(tmp_name, target)
            return StoredFile(sha256=sha, size=size)
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def put_bytes(self, data: bytes, *, max_bytes: int | None = None) -> StoredFile:
        import io

        return self.put(io.BytesIO(data), max_bytes=max_bytes if max_bytes is not None else len(data))

    def open(self, sha256: str) -> BinaryIO:
        return self.path_for(sha256).open("rb")
