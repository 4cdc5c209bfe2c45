"""Test-suite settings: hypothesis profiles, and a chart cache of the session's own.

In CI (CI=true) hypothesis runs derandomized: the same examples every run, so a submission's
result does not depend on the luck of the draw. Locally it explores new examples each run and
keeps failing ones in .hypothesis/ to replay.
"""

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


@pytest.fixture(autouse=True, scope="session")
def chart_cache(tmp_path_factory):
    """Charts are cached in a folder of the test session's own, never the user's cache
    (subprocesses the tests start inherit it)."""
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("chart-cache")
        patch.setenv("XLFINANCE_CACHE_DIR", str(folder))
        yield folder
