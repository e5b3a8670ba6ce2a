"""Fixtures every test folder shares: where the project is and the course it ships."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder.grading.course import load_course

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def course():
    """The shipped course.yaml, loaded once per test process."""
    return load_course(ROOT / "course.yaml")


@pytest.fixture(scope="session")
def ordinary():
    """The ordinary account tests grade as (tests/userland/account.py): made by the suite when it
    runs as root (useradd, its own venv and course copy, commands through runuser); otherwise the
    user running the suite."""
    from tests.userland.account import ordinary_account

    return ordinary_account()


# Property tests replay the same examples on every run, so a red run can be replayed from its
# log (derandomize). A search for new examples happens only when someone asks for it:
# HYPOTHESIS_PROFILE=explore make test
import os  # noqa: E402

from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("replay", derandomize=True, database=None, print_blob=True)
_hypothesis_settings.register_profile("explore", derandomize=False, print_blob=True)
_hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "replay"))

# Every command speaks the course's language (course.yaml: ko) unless told otherwise; the suite reads
# its lines in English, in this process and in the commands it starts.  A test of the language sets or
# removes RNNLAB_LANG itself (tests/cli/test_cli_errors.py).
os.environ["RNNLAB_LANG"] = "en"
