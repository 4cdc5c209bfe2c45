"""Recalculate workbooks in LibreOffice, headless, and read back the computed values.

LibreOffice's default profile keeps cached cell values instead of recalculating them; this
module runs it with a private profile whose `OOXMLRecalcMode` is 0 (always recalculate), so a
check against the recalculated file can never pass by echoing numbers a writer stored.
See the project's notes on spreadsheet recalculation for the measurements behind this.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

_PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
</oor:items>
"""


class LibreOfficeMissing(RuntimeError):
    """No `soffice` on PATH."""


def soffice() -> str:
    """Path of the LibreOffice binary, or raise LibreOfficeMissing."""
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    raise LibreOfficeMissing(
        "LibreOffice (soffice) is not installed; apt-get install libreoffice-calc-nogui"
    )


def _profile(directory: Path) -> str:
    user = directory / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_PROFILE_XCU, encoding="utf-8")
    return directory.resolve().as_uri()


def convert(
    paths: list[Path], out_dir: Path, fmt: str = "xlsx", timeout: float = 300
) -> list[Path]:
    """Open each workbook in LibreOffice (always recalculating) and save it as `fmt` in out_dir.

    Several files go through one `soffice` start, which is most of the cost.
    Returns the converted files' paths, in the order given.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlf-lo-") as tmp:
        cmd = [
            soffice(),
            f"-env:UserInstallation={_profile(Path(tmp))}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            fmt,
            "--outdir",
            str(out_dir),
            *[str(p) for p in paths],
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    outs = [out_dir / (Path(p).stem + "." + fmt.split(":")[0]) for p in paths]
    missing = [o for o in outs if not o.exists()]
    if done.returncode != 0 or missing:
        raise RuntimeError(
            f"LibreOffice failed to convert {missing or paths}: exit {done.returncode}\n"
            f"{done.stdout}\n{done.stderr}"
        )
    return outs


def recalculate(path: Path, out_dir: Path | None = None) -> Path:
    """Recalculate one workbook in LibreOffice; return the path of the recalculated copy."""
    out_dir = out_dir or Path(tempfile.mkdtemp(prefix="xlf-recalc-"))
    return convert([path], out_dir)[0]
