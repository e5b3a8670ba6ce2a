"""Property tests replay: the same examples on every run unless someone asks to explore."""
import os

from hypothesis import settings


def test_property_tests_are_derandomized_unless_exploring():
    profile = os.environ.get("HYPOTHESIS_PROFILE", "replay")
    assert settings.default.derandomize is (profile != "explore")
