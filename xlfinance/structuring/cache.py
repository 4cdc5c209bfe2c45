"""Answers of structuring.yaml kept between builds, so that an unchanged project is never
solved again (as an unchanged chart is never drawn again).

A project's answer to a solve is a function of: xlfinance's code, the project's definition,
the programme's information and assumptions (which its model reads), the solve and its
target, and the inputs of every row (the base case, the scenarios, the tornado and the
trials: risk.yaml, its seed and the number of trials, all in the override arrays). The key
hashes all of them, the arrays byte for byte, so any change to any of them is a new key;
an edit to one project file re-solves that project only. The fund's answers depend on every
file of the programme and are keyed on all of their bytes.

Kept in `<cache>/structuring/`, where `<cache>` is the charts' folder
(`xlfinance.render.charts.cache_dir`: `$XLFINANCE_CACHE_DIR`, else
`$XDG_CACHE_HOME/xlfinance/charts`, else `~/.cache/xlfinance/charts`); safe to delete.
Each entry is written whole to a temporary file and renamed into place; one that cannot be
read, or whose stored key differs, is a miss.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np

import xlfinance
from xlfinance.cachefiles import prune, touch, write_whole
from xlfinance.structuring import solver
from xlfinance.structuring.projects import ProjectSolve

VERSION = 1
MAX_ENTRIES = 240
"""Answers kept (the least recently used go first): about 0.35 MB each for Xiaolan's
10,039 rows, 80 MB in all; Xiaolan has 53 a build."""
_PRUNED = [False]
_ARRAYS = ("value", "achieved", "monotone", "bound", "width")
_SCALARS = ("iterations", "evaluations")


def folder() -> Path:
    from xlfinance.render.charts import cache_dir

    return cache_dir() / "structuring"


@lru_cache(maxsize=1)
def code() -> str:
    """A hash of every source file of xlfinance and of numpy's version: any change to the
    code that computes an answer is a new key."""
    root = Path(xlfinance.__file__).resolve().parent
    digest = hashlib.sha256(f"{VERSION} numpy {np.__version__}".encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def project_key(parts: Mapping[str, object], rows: Mapping[str, np.ndarray], n: int) -> str:
    """The key of one project's answer: `parts` (JSON-able: the definition, assumptions,
    solve and target) and the override arrays of its rows."""
    digest = hashlib.sha256(code().encode())
    digest.update(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=repr).encode())
    digest.update(str(n).encode())
    for name in sorted(rows):
        array = np.ascontiguousarray(rows[name], dtype=float)
        digest.update(name.encode())
        digest.update(str(array.shape).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def files_key(files: Iterable[str | os.PathLike[str]], extra: Mapping[str, object]) -> str:
    """The key of an answer that depends on every file of the programme."""
    digest = hashlib.sha256(code().encode())
    digest.update(json.dumps(extra, sort_keys=True, default=repr).encode())
    for path in files:
        digest.update(Path(path).name.encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


_READING = threading.Lock()
"""One `np.load` at a time: numpy parses each array's header with `ast.literal_eval`, and
CPython 3.11's AST constructor counts its recursion depth across threads, so two threads
parsing at once can fail with "AST constructor recursion depth mismatch" (CPython
gh-106905; the structuring runs read their answers on two threads)."""


def load_project(key: str) -> ProjectSolve | None:
    """The answer stored under `key`, or None."""
    try:
        with _READING, np.load(folder() / f"{key}.npz", allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("key") != key:
                return None
            arrays = {name: np.array(data[name]) for name in _ARRAYS}
            codes = np.array(data["status"])
            status = np.array(solver.STATUSES, dtype=object)[codes]
    except (OSError, ValueError, KeyError, json.JSONDecodeError):
        return None
    touch(folder() / f"{key}.npz")
    iterations, evaluations = (int(meta[name]) for name in _SCALARS)
    sol = solver.Solution(status=status, iterations=iterations, evaluations=evaluations, **arrays)
    fields = {k: v for k, v in meta["solve"].items()}
    return ProjectSolve(solution=sol, **fields)


def store_project(key: str, answer: ProjectSolve) -> None:
    """Keep `answer` under `key`; any failure leaves the cache as it was."""
    sol = answer.solution
    meta = {
        "key": key,
        "solve": {
            k: getattr(answer, k) for k in ProjectSolve.__dataclass_fields__ if k != "solution"
        },
        **{name: getattr(sol, name) for name in _SCALARS},
    }
    buffer = io.BytesIO()
    np.savez(  # the arrays of `_ARRAYS`, by name
        buffer,
        meta=np.array(json.dumps(meta)),
        status=np.array([solver.STATUSES.index(x) for x in sol.status], dtype=np.uint8),
        value=np.asarray(sol.value),
        achieved=np.asarray(sol.achieved),
        monotone=np.asarray(sol.monotone),
        bound=np.asarray(sol.bound),
        width=np.asarray(sol.width),
    )
    _write(f"{key}.npz", buffer.getvalue())


def load_json(key: str) -> object:
    try:
        data = json.loads((folder() / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data["value"] if isinstance(data, dict) and data.get("key") == key else None


def store_json(key: str, value: object) -> None:
    _write(f"{key}.json", json.dumps({"key": key, "value": value}).encode("utf-8"))


def _write(name: str, data: bytes) -> None:
    where = folder()
    if write_whole(where, name, data) and not _PRUNED[0]:
        _PRUNED[0] = True
        prune(where, (".npz", ".json"), MAX_ENTRIES)


__all__ = ["files_key", "load_json", "load_project", "project_key", "store_json", "store_project"]
