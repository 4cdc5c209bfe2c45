"""Definition files replaced all together or not at all.

Each new file is written in full to a temporary file beside the one it replaces (same
folder, so the rename cannot cross file systems), flushed to disk, given the old file's
permissions; only then, with SIGINT and SIGTERM held off, is each renamed over its file.
Before the first rename every file is read again: one changed since the import read it
stops everything. If a rename fails, the files already replaced get their old bytes back
the same way. The temporary files never outlive the call.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from xlfinance.interrupt import held


class ReplaceFailed(OSError):
    """No file was replaced; the message says which failed and why."""


def _write_beside(path: Path, data: bytes) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.import-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, stat.S_IMODE(path.stat().st_mode))
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def replace_all(files: dict[Path, tuple[bytes, bytes]]) -> None:
    """Give each file its new bytes (`path -> (old, new)`), all or none."""
    staged: dict[Path, Path] = {}
    done: list[Path] = []
    try:
        try:
            for path, (_, new) in files.items():
                staged[path] = _write_beside(path, new)
        except OSError as exc:
            raise ReplaceFailed(f"{path}: cannot write beside it: {exc.strerror or exc}") from None
        with held():
            for path, (old, _) in files.items():
                if path.read_bytes() != old:
                    raise ReplaceFailed(f"{path}: changed while importing; nothing was written")
            try:
                for path in files:
                    os.replace(staged[path], path)
                    del staged[path]
                    done.append(path)
            except OSError as exc:
                failed = path
                for back in done:  # put back what was replaced
                    os.replace(_write_beside(back, files[back][0]), back)
                raise ReplaceFailed(
                    f"{failed}: cannot be replaced: {exc.strerror or exc}; nothing was written"
                ) from None
    finally:
        for leftover in staged.values():
            leftover.unlink(missing_ok=True)
