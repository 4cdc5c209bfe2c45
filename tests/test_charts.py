"""What the charts import (xlfinance.render.charts, .drawing).

The pictures themselves are checked with the pages in test_reports.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def python(code: str) -> str:
    """Run `code` in a fresh interpreter (the test's environment); its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class TestImports:
    def test_reports_do_not_import_matplotlib(self):
        out = python(
            "import sys, xlfinance.build, xlfinance.cli, xlfinance.render.reports\n"
            "print('matplotlib' in sys.modules)"
        )
        assert out.strip() == "False"

    def test_validate_does_not_import_matplotlib(self):
        out = python(
            "import sys\nfrom xlfinance import cli\n"
            "assert cli.main(['validate', 'projects/xiaolan']) == 0\n"
            "print('matplotlib' in sys.modules)"
        )
        assert out.strip().endswith("False")
