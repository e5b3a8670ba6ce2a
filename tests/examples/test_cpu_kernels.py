"""The same answer on every CPU: OpenBLAS picks its kernels by CPU (SkylakeX, Haswell, Zen, ...),
and their results differ in the last bits.  Under two very different kernels, forced with
``OPENBLAS_CORETYPE`` in subprocesses, the committed self-check fixtures are current, the
release is not stale, and the example class gets the same scores, item for item."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ("Prescott", "Haswell")

FIXTURES_CURRENT = """
import sys
from autograder.authoring import release
from autograder.grading.course import load_course
from autograder.sandbox.inside.protocol import load_npz
course = load_course(sys.argv[1])
stale = [aid for aid in release.releasable(course)
         if not release.same_fixture(load_npz(release.fixture_path(course, aid)),
                                     release._normalised(release.build_fixture(course, aid)))]
print("stale:", stale)
sys.exit(1 if stale else 0)
"""

KERNEL_IN_USE = """
import numpy as np
cfg = np.show_config(mode="dicts")
print(cfg["Build Dependencies"]["blas"]["name"])
"""


def _env(kernel: str) -> dict[str, str]:
    return {**os.environ, "OPENBLAS_CORETYPE": kernel, "RNNLAB_SECRET": "cpu-kernel-tests"}


def _run(args: list[str], kernel: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=_env(kernel), cwd=ROOT, capture_output=True, text=True, timeout=600, **kw)


def test_numpy_uses_openblas():
    """Forcing a kernel means something only when numpy's BLAS is OpenBLAS."""
    proc = _run([sys.executable, "-c", KERNEL_IN_USE], KERNELS[0])
    assert proc.returncode == 0 and "openblas" in proc.stdout.lower(), proc.stdout + proc.stderr


@pytest.mark.parametrize("kernel", KERNELS)
def test_committed_fixtures_are_current_under(kernel):
    proc = _run([sys.executable, "-c", FIXTURES_CURRENT, str(ROOT / "course.yaml")], kernel)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.sandbox
@pytest.mark.slow
@pytest.mark.parametrize("kernel", KERNELS)
def test_validate_passes_under(kernel):
    proc = _run([sys.executable, "-m", "autograder", "--course", str(ROOT / "course.yaml"), "validate"], kernel)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def _scores(out: Path) -> dict[str, object]:
    scores = {}
    for path in sorted(out.glob("*/*.json")):
        result = json.loads(path.read_text())
        scores[f"{path.parent.name}/{path.stem}"] = (
            result["score"], [(i["id"], i["status"], i["score"], i.get("diagnosis")) for i in result["items"]])
    return scores


@pytest.mark.sandbox
@pytest.mark.slow
def test_example_class_scores_are_identical_under_both_kernels(tmp_path):
    graded = {}
    for kernel in KERNELS:
        out = tmp_path / kernel
        proc = _run([sys.executable, "-m", "autograder", "--course", str(ROOT / "course.yaml"), "grade",
                     str(ROOT / "examples" / "submitted"), "--out", str(out), "--quiet", "--jobs", "2"], kernel)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        graded[kernel] = (_scores(out), list(csv.reader((out / "grades.csv").open())))
    (scores_a, csv_a), (scores_b, csv_b) = graded.values()
    assert len(scores_a) > 50  # the whole class, every assignment
    assert scores_a == scores_b
    assert csv_a == csv_b
