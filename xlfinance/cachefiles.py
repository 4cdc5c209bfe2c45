"""Files of xlfinance's caches (drawn charts, structuring answers): written whole, used
recently, pruned to a size. Any failure leaves a cache as it was: a cache that cannot be
written is only a slower build."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_whole(folder: Path, name: str, data: bytes, suffix: str = "") -> bool:
    """`data` into `folder/name`: written to a temporary file, then renamed into place, so
    no reader sees half an entry. False (and nothing left behind) when it cannot be."""
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, folder / name)
        tmp = None
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def touch(path: Path) -> None:
    """Mark an entry as recently used: it is kept when the cache is pruned."""
    try:
        os.utime(path)
    except OSError:
        pass


def prune(folder: Path, suffixes: tuple[str, ...], keep: int) -> None:
    """Drop the least recently used entries (the files ending in one of `suffixes`) beyond
    the `keep` most recent."""
    try:
        entries = [(p.stat().st_mtime, p) for p in folder.iterdir() if p.suffix in suffixes]
    except OSError:
        return
    for _, path in sorted(entries, reverse=True)[keep:]:
        try:
            path.unlink()
        except OSError:
            pass


__all__ = ["prune", "touch", "write_whole"]
