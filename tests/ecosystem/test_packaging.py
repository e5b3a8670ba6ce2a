"""What `pip install` of this project gives: the grader's packages and data, never the reference
(the solutions), and a requires-python that the pinned requirements can really be installed on."""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from fnmatch import fnmatch
from importlib import metadata
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

try:
    import tomllib
except ImportError:  # Python 3.10: pytest brings tomli, its backport
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> list[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "--disable-pip-version-check",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True, timeout=300)
    [wheel] = out.glob("rnnlab-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_wheel_carries_no_reference_and_no_course(wheel_names):
    tops = {name.split("/")[0] for name in wheel_names}
    assert "reference" not in tops and not any(n.startswith(("solutions/", "exercises/")) for n in wheel_names)
    assert not any(n.endswith("course.yaml") or "mutants" in n for n in wheel_names)


def test_wheel_has_every_package_of_the_grader(wheel_names):
    packages = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "autograder").rglob("__init__.py")}
    assert {"autograder/cli", "autograder/grading", "autograder/authoring", "autograder/student",
            "autograder/sandbox/inside"} <= packages
    for package in packages:
        assert f"{package}/__init__.py" in wheel_names, package


def test_every_package_data_pattern_matches_a_shipped_file(wheel_names):
    data = PYPROJECT["tool"]["setuptools"]["package-data"]
    assert data
    for package, patterns in data.items():
        folder = package.replace(".", "/")
        for pattern in patterns:
            on_disk = list((ROOT / folder).glob(pattern))
            assert on_disk, f"{package}: {pattern} matches no file"
            assert any(fnmatch(n, f"{folder}/{pattern}") for n in wheel_names), f"{folder}/{pattern} not in the wheel"


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s#]+)", line.strip())
        if match:
            pins[match.group(1)] = match.group(2)
    return pins


CANDIDATES = [Version(f"3.{minor}.{patch}") for minor in (9, 10, 11, 12, 13, 14) for patch in range(0, 21)]
# The Pythons people have: every minor release the classifiers promise, from its first patch
# release, and the distributions' own (Debian 12: 3.11.2; Ubuntu 22.04: 3.10.12; 24.04: 3.12.3).
DISTRIBUTIONS = {"Debian 12": "3.11.2", "Ubuntu 22.04": "3.10.12", "Ubuntu 24.04": "3.12.3"}


def _promised() -> dict[str, Version]:
    minors = [c.rsplit("::", 1)[1].strip() for c in PYPROJECT["project"]["classifiers"]
              if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    return {**{f"Python {m}": Version(f"{m}.0") for m in minors},
            **{name: Version(v) for name, v in DISTRIBUTIONS.items()}}


def _pin_needs() -> tuple[int, list[tuple[str, SpecifierSet]]]:
    """How many pins are installed here at their pinned version, and their Requires-Python."""
    needs = []
    checked = 0
    for name, version in _pins().items():
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a pin of the benchmarks only (requirements/bench.in)
        if dist.version != version:
            continue
        checked += 1
        spec = dist.metadata.get("Requires-Python")
        if spec:
            needs.append((name, SpecifierSet(spec)))
    return checked, needs


def test_requires_python_is_what_the_pins_need():
    ours = SpecifierSet(PYPROJECT["project"]["requires-python"].split("#")[0].strip())
    checked, needs = _pin_needs()
    assert checked >= 0.9 * len(_pins()), "most pins should be installed in the test venv"
    allowed_by_pins = [v for v in CANDIDATES if all(v in spec for _, spec in needs)]
    too_loose = [str(v) for v in CANDIDATES if v in ours and v not in allowed_by_pins]
    assert not too_loose[:1], f"requires-python admits {too_loose[0]}, which a pin rejects: " + ", ".join(
        f"{n} {s}" for n, s in needs if Version(too_loose[0]) not in s)
    assert allowed_by_pins[0] in ours, f"requires-python is stricter than the pins: {allowed_by_pins[0]} works"


def test_every_pin_installs_on_the_pythons_people_have():
    """Python 3.10 to 3.13 (the classifiers), Debian 12's 3.11.2 and Ubuntu's own: every pin's
    Requires-Python and ours admit them all, so `make demo PYTHON=/usr/bin/python3` resolves."""
    ours = SpecifierSet(PYPROJECT["project"]["requires-python"].split("#")[0].strip())
    promised = _promised()
    assert {"Python 3.10", "Python 3.13", "Debian 12"} <= promised.keys()
    _, needs = _pin_needs()
    refused = [f"{who} ({v}): {name} {spec}" for who, v in promised.items() for name, spec in needs if v not in spec]
    refused += [f"{who} ({v}): requires-python {ours}" for who, v in promised.items() if v not in ours]
    assert not refused, "\n".join(refused)
