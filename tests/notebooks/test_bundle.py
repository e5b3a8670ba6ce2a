"""rnnlab_check.py, the self-check a released folder carries, is the package's own self-check.

`autograder release` joins student/selfcheck.py and the modules it uses into one file
(authoring/bundle.py).  These tests hold it to "one source": for the same functions and cases
the bundled ``check`` prints exactly what the package's ``check`` prints, in both languages
and for every kind of verdict; and the bundler refuses what would make the join unsound.
"""
from __future__ import annotations

import importlib.util
import shutil
import sys

import numpy as np
import pytest

from autograder.authoring import bundle, release
from autograder.grading.pipeline import reference_namespace
from autograder.sandbox.inside.protocol import save_npz
from autograder.student import selfcheck

from .nbtools import ROOT, course


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bundle")
    path = folder / bundle.FILE_NAME
    path.write_text(bundle.bundle_source(), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("rnnlab_check_under_test", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import would (dataclasses look their module up)
    spec.loader.exec_module(module)
    fixture = folder / selfcheck.FIXTURE_NAME
    save_npz(fixture, release.build_fixture(course(), "rnn"))
    return module, fixture


def _variants(ref):
    """Namespaces that provoke every kind of line: pass, shape, value (forward/backward), error, stub, missing, in place."""
    def wrong_shape(dnext_h, cache):
        dx, dprev_h, dWx, dWh, db = ref["rnn_step_backward"](dnext_h, cache)
        return dx[:, :-1], dprev_h, dWx, dWh, db

    def wrong_value(dh, cache):
        dx, dh0, dWx, dWh, db = ref["rnn_backward"](dh, cache)
        return dx, dh0, dWx, dWh * 0.5, db

    def raises(*args):
        raise ValueError("boom")

    def stub(*args):
        raise NotImplementedError

    def in_place(x, w, b):
        out, cache = ref["temporal_affine_forward"](x, w, b)
        w[...] = 0.0
        return out, cache

    def nan(x, prev_h, Wx, Wh, b):
        return np.full((x.shape[0], Wx.shape[1]), np.nan), None

    return {
        "correct": ref,
        "shape": {**ref, "rnn_step_backward": wrong_shape},
        "value": {**ref, "rnn_backward": wrong_value, "rnn_step_forward": lambda *a: (np.zeros(1), None)},
        "error": {**ref, "rnn_forward": raises, "word_embedding_forward": lambda *a: np.zeros(3)},
        "stub": {**ref, "rnn_forward": stub, "temporal_softmax_loss": stub},
        "missing": {k: v for k, v in ref.items() if k not in ("rnn_backward", "word_embedding_backward")},
        "in-place": {**ref, "temporal_affine_forward": in_place, "rnn_step_forward": nan},
    }


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_bundled_check_prints_what_the_packages_check_prints(bundled, lang):
    module, fixture = bundled
    names = [spec.name for spec in course().functions_of("rnn")]
    seen = set()
    for label, namespace in _variants(reference_namespace(course())).items():
        for name in names:
            for side in (selfcheck, module):  # each says once per session how to switch languages
                side._LANGUAGE_NOTED.clear()
            ours = selfcheck.check(name, fixture, namespace=namespace, lang=lang, quiet=True)
            theirs = module.check(name, fixture, namespace=namespace, lang=lang, quiet=True)
            assert theirs.lines == ours.lines, (label, name)
            assert (theirs.status, theirs.passed, theirs.total) == (ours.status, ours.passed, ours.total)
            seen.add(ours.status)
    assert seen == {"passed", "failed", "error", "not-implemented", "missing"}


def test_the_bundle_carries_every_sentence_the_selfcheck_uses(bundled):
    module, _ = bundled
    from autograder.student.messages import MESSAGES

    wanted = {code for code in MESSAGES if code.startswith(selfcheck.MESSAGE_CODES)}
    assert set(module.MESSAGES) == wanted
    assert {"check.pass", "check.fail", "verdict.value", "status.exception"} <= wanted
    assert not any(code.startswith(("report.", "feedback.")) for code in module.MESSAGES)


def test_the_bundle_is_deterministic_and_names_its_sources():
    text = bundle.bundle_source()
    assert text == bundle.bundle_source()
    for _, relative in bundle.PARTS:
        assert f"autograder/{relative}" in text
    assert "from autograder" not in text and "import autograder" not in text


def test_a_name_defined_twice_stops_the_bundle(tmp_path, monkeypatch):
    copy = tmp_path / "autograder"
    shutil.copytree(ROOT / "autograder", copy, ignore=shutil.ignore_patterns("__pycache__"))
    cell = copy / "student" / "nbgrader_cell.py"
    cell.write_text(cell.read_text() + "\n\ndef relative_error(a, b):\n    return 0.0\n")
    monkeypatch.setattr(bundle, "PACKAGE", copy)
    with pytest.raises(bundle.BundleError, match="relative_error"):
        bundle.bundle_source()


def test_an_import_rebinding_another_parts_name_stops_the_bundle(tmp_path, monkeypatch):
    copy = tmp_path / "autograder"
    shutil.copytree(ROOT / "autograder", copy, ignore=shutil.ignore_patterns("__pycache__"))
    cell = copy / "student" / "nbgrader_cell.py"
    cell.write_text(cell.read_text().replace("import hashlib\n", "import hashlib\nfrom math import pi as render\n", 1))
    monkeypatch.setattr(bundle, "PACKAGE", copy)
    with pytest.raises(bundle.BundleError, match="`render`"):
        bundle.bundle_source()


def test_a_foreign_import_stops_the_bundle(tmp_path, monkeypatch):
    copy = tmp_path / "autograder"
    shutil.copytree(ROOT / "autograder", copy, ignore=shutil.ignore_patterns("__pycache__"))
    compare = copy / "student" / "compare.py"
    compare.write_text(compare.read_text().replace("import numpy as np\n", "import numpy as np\nimport yaml\n", 1))
    monkeypatch.setattr(bundle, "PACKAGE", copy)
    with pytest.raises(bundle.BundleError, match="yaml"):
        bundle.bundle_source()


def test_write_bundle_rewrites_only_a_changed_file(tmp_path):
    path = tmp_path / bundle.FILE_NAME
    assert bundle.write_bundle(path) and not bundle.write_bundle(path)
    path.write_text("# edited by hand\n")
    assert bundle.write_bundle(path) and path.read_text() == bundle.bundle_source()
