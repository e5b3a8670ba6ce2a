"""Gradescope: results.json follows Gradescope's documented format, the zip holds what the image
needs, and run_autograder on a fake /autograder produces results.json."""
import json
import re
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import jsonschema
import pytest

from autograder.sandbox import box as sandbox
from autograder.grading.course import load_course
from autograder.grading.errors import UsageError
from autograder.integrations.gradescope import build_zip, gradescope_results, run_gradescope, submitted_notebooks
from autograder.grading.pipeline import SubmissionResult

from .conftest import ROOT, make_result

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
# Written from Gradescope's autograder specification (results.json, "Output format").
GRADESCOPE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}],
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": FORMAT,
        "test_output_format": FORMAT,
        "test_name_format": FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "score": {"type": "number"},
                "max_score": {"type": "number", "minimum": 0},
                "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string"},
                "name_format": FORMAT,
                "number": {"type": "string"},
                "output": {"type": "string"},
                "output_format": FORMAT,
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": VISIBILITY,
                "extra_data": {"type": "object"},
            },
        }},
        "leaderboard": {"type": "array", "items": {
            "type": "object", "required": ["name", "value"],
            "properties": {"name": {"type": "string"}, "value": {"type": ["number", "string"]},
                           "order": {"enum": ["asc", "desc"]}}}},
    },
}


def validate(payload):
    jsonschema.Draft202012Validator(GRADESCOPE_SCHEMA).validate(payload)


def test_results_follow_gradescope_format_and_scores_add_up(course):
    results = [make_result(course, "s02", aid) for aid in course.assignments]
    payload = gradescope_results(results, course, 12.6)
    validate(payload)

    items = [item for r in results for item in r["items"]]
    assert len(payload["tests"]) == len(items)
    assert payload["score"] == pytest.approx(sum(r["score"] for r in results))
    assert sum(t["score"] for t in payload["tests"]) == pytest.approx(payload["score"])
    assert sum(t["max_score"] for t in payload["tests"]) == pytest.approx(
        sum(course.max_score(a) for a in course.assignments))
    assert [t["status"] == "passed" for t in payload["tests"]] == [i["status"] == "passed" for i in items]
    assert len({t["name"] for t in payload["tests"]}) == len(items)
    expected_names = [f"{r['assignment']}: {i['id']}" for r in results for i in r["items"]]
    assert [t["name"] for t in payload["tests"]] == expected_names
    assert payload["execution_time"] == 13 and payload["stdout_visibility"] == "hidden"


def test_one_assignment_tests_are_named_by_item_id(course):
    result = make_result(course, "s01", "rnn")
    payload = gradescope_results([result], course, 0.2)
    validate(payload)
    assert [t["name"] for t in payload["tests"]] == [i["id"] for i in result["items"]]
    assert payload["score"] == course.max_score("rnn")


def test_schema_rejects_what_gradescope_would(course):
    payload = gradescope_results([make_result(course, "s02", "rnn")], course, 1)
    payload["tests"][0]["status"] = "error"
    with pytest.raises(jsonschema.ValidationError):
        validate(payload)


# ------------------------------------------------------------------ the submission


def touch(path, text="{}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_layout_matches_notebooks_by_name_and_ignores_checkpoints_and_symlinks(tmp_path, course):
    sub = tmp_path / "submission"
    touch(sub / "deep" / "rnn.ipynb", "deep")
    touch(sub / "rnn.ipynb", "top")
    touch(sub / ".ipynb_checkpoints" / "lstm.ipynb", "checkpoint")
    (sub / "gru.ipynb").symlink_to(ROOT / "course.yaml")
    assert submitted_notebooks(sub, course, None) == {"rnn": b"top"}
    found = submitted_notebooks(sub, course, ["rnn", "lstm"])
    assert list(found) == ["rnn", "lstm"]  # asked for, so graded: lstm as not submitted
    assert found == {"rnn": b"top", "lstm": None}


def test_layout_accepts_one_renamed_notebook_for_a_one_assignment_autograder(tmp_path, course):
    touch(tmp_path / "submission" / "rnn (1).ipynb", "mine")
    assert submitted_notebooks(tmp_path / "submission", course, ["rnn"]) == {"rnn": b"mine"}
    with pytest.raises(UsageError, match="unknown assignment"):
        submitted_notebooks(tmp_path / "submission", course, ["nope"])


def test_run_gradescope_writes_results_json_from_the_pipeline_results(tmp_path, course):
    touch(tmp_path / "submission" / "lstm.ipynb", "nb")
    seen = {}

    def fake_grade(course_, notebooks, no_sandbox):
        seen.update(notebooks=notebooks, no_sandbox=no_sandbox)
        return [SubmissionResult(make_result(course_, "student", aid), "") for aid in notebooks]

    payload = run_gradescope(tmp_path, course, grade=fake_grade)
    assert seen == {"notebooks": {"lstm": b"nb"}, "no_sandbox": False}
    written = json.loads((tmp_path / "results" / "results.json").read_text())
    assert written == payload
    validate(written)
    assert written["score"] == make_result(course, "student", "lstm")["score"]


def test_run_gradescope_without_results_fails_instead_of_grading_zero(tmp_path, course):
    touch(tmp_path / "submission" / "rnn.ipynb")
    with pytest.raises(UsageError, match="no result for rnn"):
        run_gradescope(tmp_path, course, grade=lambda *a: [])
    assert not (tmp_path / "results" / "results.json").exists()


# ------------------------------------------------------------------------ the zip


def course_copy(tmp_path):
    """The course without the bulk (only what the zip takes), with a one-notebook solutions/."""
    root = tmp_path / "course"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("course.yaml", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, root / name)
    for name in ("autograder", "reference", "requirements"):
        shutil.copytree(ROOT / name, root / name, ignore=ignore)
    touch(root / "solutions" / "rnn" / "rnn.ipynb", '{"cells": []}')
    touch(root / "solutions" / "rnn" / "public_cases.npz", "npz")
    touch(root / "solutions" / "rnn" / ".ipynb_checkpoints" / "rnn-checkpoint.ipynb")
    touch(root / "solutions" / "lstm" / "lstm.ipynb")
    (root / "autograder" / "__pycache__").mkdir(exist_ok=True)
    touch(root / "autograder" / "__pycache__" / "x.cpython-311.pyc", "")
    return load_course(root / "course.yaml")


def test_zip_holds_the_scripts_the_course_and_pinned_requirements(tmp_path):
    course = course_copy(tmp_path)
    out = tmp_path / "autograder.zip"
    names = build_zip(course, out, ["rnn"])
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == names
        infos = {i.filename: i for i in archive.infolist()}
        for script in ("setup.sh", "run_autograder"):
            assert stat.S_IMODE(infos[script].external_attr >> 16) == 0o755
            text = archive.read(script).decode()
            subprocess.run(["bash", "-n"], input=text, text=True, check=True)
        setup, run = archive.read("setup.sh").decode(), archive.read("run_autograder").decode()
        secret = archive.read(".grading-secret").decode().strip()
    for needed in ("course.yaml", "pyproject.toml", "README.md", "requirements/grade.txt",
                   "autograder/cli/__init__.py", "autograder/grading/course.schema.json",
                   "reference/__init__.py", "solutions/rnn/rnn.ipynb", "solutions/rnn/public_cases.npz"):
        assert needed in names
    assert not [n for n in names if "__pycache__" in n or "checkpoint" in n or n.startswith("solutions/lstm")]
    assert "bubblewrap" in setup and "python3-seccomp" in setup and "--no-deps -r \"$SOURCE/requirements/grade.txt\"" in setup
    commands = "\n".join(line for line in setup.splitlines() if not line.lstrip().startswith("#"))
    assert not any(tool in commands for tool in ("jupyterlab", "nbgrader", "matplotlib", "run.in", "constraints.txt"))
    # the Python it installed is checked against the pins' bound (requirements/grade.txt), then used
    assert '"$PYTHON" "$SOURCE/autograder/integrations/python_version.py" "$SOURCE/requirements/grade.txt"' in setup
    assert '"$PYTHON" -m venv' in setup and "\npython3 " not in commands
    assert " -e " not in setup  # not installed: reference/ stays in the course folder, closed to all but root
    assert "gradescope --run" in run and "--assignment rnn" in run and "--no-sandbox" not in run
    assert 'PYTHONPATH="$ROOT/source"' in run
    assert re.fullmatch(r"[0-9a-f]{64}", secret)  # 32 random bytes, hex

    with pytest.raises(UsageError, match="solutions/gru/gru.ipynb"):
        build_zip(course, tmp_path / "x.zip", ["gru"])


def test_run_autograder_on_a_fake_autograder_folder(tmp_path):
    solution = ROOT / "solutions" / "rnn" / "rnn.ipynb"
    course = load_course(ROOT / "course.yaml")
    isolate = sandbox.bwrap_available()
    build_zip(course, tmp_path / "autograder.zip", ["rnn"], no_sandbox=not isolate)
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        archive.extractall(tmp_path / "source")
    touch(tmp_path / "submission" / "rnn.ipynb", solution.read_text())

    proc = subprocess.run(["bash", str(tmp_path / "source" / "run_autograder")], capture_output=True, text=True,
                          env={**os.environ, "AUTOGRADER_ROOT": str(tmp_path), "RNNLAB_VENV": sys.prefix},
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    payload = json.loads((tmp_path / "results" / "results.json").read_text())
    validate(payload)
    assert payload["score"] == course.max_score("rnn")  # the instructor's solution earns every point
    assert {t["status"] for t in payload["tests"]} == {"passed"}
    assert sorted(t["name"] for t in payload["tests"]) == sorted(
        item.id for spec in course.functions_of("rnn") for item in spec.items)



def test_the_image_keeps_the_hidden_cases_that_each_submission_then_reads(tmp_path):
    """setup.sh's last step (prepare_image, under the BLAS settings it exports) computes the hidden
    cases and reference outputs of the zip's assignments once, readable by root only; run_autograder
    grades from them instead of drawing them again."""
    solution = ROOT / "solutions" / "rnn" / "rnn.ipynb"
    course = load_course(ROOT / "course.yaml")
    isolate = sandbox.bwrap_available()
    build_zip(course, tmp_path / "autograder.zip", ["rnn"], no_sandbox=not isolate)
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        archive.extractall(tmp_path / "source")
    setup = (tmp_path / "source" / "setup.sh").read_text().strip().splitlines()
    assert setup[-2].startswith("export OPENBLAS_NUM_THREADS=")
    proc = subprocess.run(["bash", "-c", "\n".join(setup[-2:])], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "SOURCE": str(tmp_path / "source"), "VENV": sys.prefix})
    assert proc.returncode == 0, proc.stderr[-3000:]
    plans = tmp_path / "source" / ".rnnlab-cache" / "plans"
    (kept,) = plans.iterdir()
    assert kept.name.startswith("rnn-") and stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(plans.stat().st_mode) == 0o700
    before = kept.stat().st_mtime_ns
    touch(tmp_path / "submission" / "rnn.ipynb", solution.read_text())
    proc = subprocess.run(["bash", str(tmp_path / "source" / "run_autograder")], capture_output=True, text=True,
                          env={**os.environ, "AUTOGRADER_ROOT": str(tmp_path), "RNNLAB_VENV": sys.prefix},
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads((tmp_path / "results" / "results.json").read_text())["score"] == course.max_score("rnn")
    assert list(plans.iterdir()) == [kept] and kept.stat().st_mtime_ns == before  # read, not drawn again


# ------------------------------------------------- Gradescope without privileges

# What Docker's default seccomp profile denies a container without CAP_SYS_ADMIN, as far as
# bubblewrap is concerned: new namespaces and mounts.
DOCKER_LIKE = (
    "import errno, os, sys, seccomp\n"
    "f = seccomp.SyscallFilter(seccomp.ALLOW)\n"
    "for name in ('unshare', 'setns', 'mount', 'umount2', 'pivot_root'):\n"
    "    f.add_rule(seccomp.ERRNO(errno.EPERM), name)\n"
    "for flag in (0x20000, 0x2000000, 0x4000000, 0x8000000, 0x10000000, 0x20000000, 0x40000000):\n"
    "    f.add_rule(seccomp.ERRNO(errno.EPERM), 'clone', seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))\n"
    "f.add_rule(seccomp.ERRNO(errno.ENOSYS), 'clone3')\n"
    "f.load()\n"
    "os.execvp(sys.argv[1], sys.argv[1:])\n"
)
NO_SYS_ADMIN = ["setpriv", "--bounding-set", "-sys_admin", "--inh-caps", "-sys_admin"]

# A correct notebook that first tries to read everything under the autograder folder; anything
# it reads would end up in its feedback (and cost it the rnn_step_forward cell's functions).
THIEF = '''
import glob as _glob
_found = []
for _p in ["@@ROOT@@/source/.grading-secret", "@@ROOT@@/source/reference/rnn.py", "@@ROOT@@/source/course.yaml",
           "@@ROOT@@/source/solutions/rnn/rnn.ipynb", "@@ROOT@@/submission/rnn.ipynb",
           *_glob.glob("@@ROOT@@/**", recursive=True), *_glob.glob("/autograder/**", recursive=True)]:
    try:
        with open(_p) as _f:
            _found.append(_p + ": " + _f.read(200))
    except OSError:
        pass
import socket as _socket
try:  # the uid fallback has no network namespace: its seccomp filter allows AF_UNIX sockets only
    _socket.create_connection(("127.0.0.1", @@PORT@@), timeout=2).close()
    _found.append("connected to the host's 127.0.0.1:@@PORT@@")
except OSError:
    pass
if _found:
    raise RuntimeError("LEAKED " + " | ".join(_found)[:1500])
'''


def _runtime_for_every_user(tmp_path) -> str:
    """A venv whose interpreter every user may run, as on Gradescope (/usr/bin/python3 + /opt venv).

    This repository's venv is used as it is when its interpreter is world-readable (Debian's
    python3, as in CI); a pyenv under /root (mode 700) is not, so the venv is then rebuilt on
    /usr/bin/python3 (same minor version) over the same packages."""
    exe = os.path.realpath(sys.executable)
    if sandbox._world_reachable(exe) and sandbox._world_reachable(sys.base_prefix):
        return sys.prefix
    system = os.path.realpath("/usr/bin/python3")
    probe = subprocess.run([system, "-c", "import sys; print(sys.version_info[:2] == %r)" % (sys.version_info[:2],)],
                           capture_output=True, text=True)
    assert probe.stdout.strip() == "True", "/usr/bin/python3 must have this venv's Python minor version"
    venv = tmp_path / "venv"
    site = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    site.mkdir(parents=True)
    (venv / "bin").mkdir()
    (venv / "bin" / "python").symlink_to(system)
    (venv / "pyvenv.cfg").write_text(f"home = {os.path.dirname(system)}\ninclude-system-site-packages = false\n")
    import sysconfig
    (site / "rnnlab-packages.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return str(venv)


def _thief_notebook(solution_text: str, root, port: int) -> str:
    nb = json.loads(solution_text)
    marker = "    ### END SOLUTION"
    for cell in nb["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and "def rnn_step_forward(" in source and marker in source:
            code = THIEF.replace("@@ROOT@@", str(root)).replace("@@PORT@@", str(port))
            cell["source"] = source.replace(marker, marker + "\n\n" + code, 1)
            return json.dumps(nb)
    raise AssertionError("no rnn_step_forward solution cell")


@pytest.fixture(scope="module")
def unprivileged(tmp_path_factory):
    """``run(notebook_text, wrap)``: the zip's run_autograder on a fake /autograder, as root without
    CAP_SYS_ADMIN (wrap "setpriv") or also under a Docker-like seccomp profile (wrap "docker")."""
    if os.geteuid() != 0:  # Gradescope runs its image as root; only root can drop to it (setpriv, a seccomp profile)
        pytest.skip("the unprivileged Gradescope run is root in a container without CAP_SYS_ADMIN: it is tested "
                    "as root (CI, `sudo make test`)")
    if shutil.which("bwrap") is None:
        pytest.fail("the unprivileged Gradescope run is tested with bubblewrap installed (make sandbox-tools)")
    base = tmp_path_factory.mktemp("gradescope-unprivileged")
    course = load_course(ROOT / "course.yaml")
    build_zip(course, base / "autograder.zip", ["rnn"])
    venv = _runtime_for_every_user(base)
    count = iter(range(100))

    def run(notebook_text: str, wrap: str = "setpriv", name: str = "rnn.ipynb"):
        root = base / f"ag{next(count)}"
        with zipfile.ZipFile(base / "autograder.zip") as archive:
            archive.extractall(root / "source")
        for script in ("run_autograder", "setup.sh"):
            os.chmod(root / "source" / script, 0o755)
        os.chmod(root / "source" / ".grading-secret", 0o600)
        text = notebook_text(root) if callable(notebook_text) else notebook_text
        touch(root / "submission" / name, text)
        cmd = [*_wrapper(wrap), "bash", str(root / "source" / "run_autograder")]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd="/",
                              env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "AUTOGRADER_ROOT": str(root),
                                   "RNNLAB_VENV": venv, "OPENBLAS_NUM_THREADS": "1", "LANG": "C.UTF-8"})
        results = root / "results" / "results.json"
        return proc, (json.loads(results.read_text()) if results.exists() else None), root

    return course, run


def _wrapper(wrap: str) -> list[str]:
    if wrap == "docker":
        return ["/usr/bin/python3", "-I", "-c", DOCKER_LIKE, *NO_SYS_ADMIN]
    return NO_SYS_ADMIN


@pytest.mark.parametrize("wrap", ["setpriv", "docker"])
def test_run_autograder_without_cap_sys_admin_grades_a_correct_notebook_full(unprivileged, wrap):
    course, run = unprivileged
    proc, payload, root = run((ROOT / "solutions" / "rnn" / "rnn.ipynb").read_text(), wrap)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    validate(payload)
    assert payload["score"] == course.max_score("rnn")
    assert {t["status"] for t in payload["tests"]} == {"passed"}
    isolation = payload["extra_data"]["assignments"]["rnn"]["isolation"]
    assert isolation.startswith("uid+rlimits"), isolation  # namespaces were refused: the fallback ran
    assert isolation.endswith("+seccomp"), isolation  # installed by the worker itself
    assert "uid+rlimits" in proc.stdout
    assert stat.S_IMODE(os.stat(root / "source").st_mode) == 0o700 and stat.S_IMODE(os.stat(root).st_mode) == 0o700


def test_run_autograder_without_cap_sys_admin_grades_the_stub_zero(unprivileged):
    course, run = unprivileged
    proc, payload, _ = run((ROOT / "exercises" / "rnn" / "rnn.ipynb").read_text())
    assert proc.returncode == 0, proc.stderr[-3000:]
    validate(payload)
    assert payload["score"] == 0 and payload["tests"] and "passed" not in {t["status"] for t in payload["tests"]}
    assert payload["extra_data"]["assignments"]["rnn"]["isolation"].startswith("uid+rlimits")


def test_a_notebook_reading_the_autograder_folder_learns_nothing(unprivileged):
    course, run = unprivileged
    import socket
    solution = (ROOT / "solutions" / "rnn" / "rnn.ipynb").read_text()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.setblocking(False)
    port = server.getsockname()[1]
    try:
        proc, payload, root = run(lambda r: _thief_notebook(solution, r, port))
        try:
            server.accept()
            connected = True
        except BlockingIOError:
            connected = False
    finally:
        server.close()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not connected
    text = (root / "results" / "results.json").read_text()
    secret = (root / "source" / ".grading-secret").read_text().strip()
    assert "LEAKED" not in text and secret not in text and "def rnn_step_forward" not in text
    assert payload["score"] == course.max_score("rnn")  # every read failed, so the code fell through


def test_a_renamed_notebook_is_found_or_the_files_seen_are_named(tmp_path, course):
    touch(tmp_path / "submission" / "notes.txt", "x")
    touch(tmp_path / "submission" / "rnn (1).ipynb", "one")
    touch(tmp_path / "submission" / "lstm-final.ipynb", "two")

    def fake_grade(course_, notebooks, no_sandbox):
        return [SubmissionResult(make_result(course_, "student", aid), "") for aid in notebooks]

    payload = run_gradescope(tmp_path, course, ["rnn", "lstm"], grade=fake_grade)
    assert payload["output"].startswith("No notebook for rnn.ipynb, lstm.ipynb was found in the submission. "
                                        "Files seen: lstm-final.ipynb, notes.txt, rnn (1).ipynb.")
    (tmp_path / "submission" / "lstm-final.ipynb").unlink()
    payload = run_gradescope(tmp_path, course, ["rnn"], grade=fake_grade)  # one assignment: any one notebook
    assert not payload["output"].startswith("No notebook")


def test_without_namespaces_the_message_does_not_say_install_bubblewrap(monkeypatch):
    from autograder.sandbox import probe
    refused = "bwrap is installed but cannot create its namespaces: bwrap: Creating new namespace failed"
    monkeypatch.setattr(probe, "facts", lambda: probe.Facts(euid=0, bwrap="/usr/bin/bwrap", setpriv="/usr/bin/setpriv",
                                                            root_error=refused))
    assert sandbox.isolation_mode() == "uid"
    text = str(sandbox.SandboxUnavailable())
    assert "apt-get install bubblewrap" not in text and "cannot create its namespaces" in text
    monkeypatch.setattr(probe, "facts", lambda: probe.Facts(euid=0, bwrap=None))
    assert sandbox.isolation_mode() is None
    assert "apt-get install bubblewrap" in str(sandbox.SandboxUnavailable())


def test_grade_requirements_are_the_pinned_closure_of_the_package():
    """setup.sh installs requirements/grade.txt with --no-deps: it must be complete and pinned as
    constraints.txt pins, hold no notebook tooling, and name the Python its pins need."""
    import importlib.metadata as md
    import re

    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    def key(name):
        return re.sub(r"[-_.]+", "-", name).lower()

    pins = {}
    for line in (ROOT / "requirements" / "grade.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not pinned: {line}"
            pins[key(name)] = version.strip()
    constraints = {key(l.split("==")[0]): l.split("==")[1].strip()
                   for l in (ROOT / "requirements" / "constraints.txt").read_text().splitlines() if "==" in l}
    assert all(constraints[k] == v for k, v in pins.items()), "grade.txt and constraints.txt disagree"
    assert not {"jupyterlab", "nbgrader", "matplotlib", "notebook", "nbclient"} & set(pins)
    try:
        import tomllib
    except ImportError:  # Python 3.10: pytest brings tomli, its backport
        import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {key(Requirement(r).name) for r in project["dependencies"]} <= set(pins)
    lowest = (3, 0)
    for name in pins:
        dist = md.distribution(name)
        assert dist.version == pins[name], f"{name}: installed {dist.version}, pinned {pins[name]}"
        for req in map(Requirement, dist.requires or []):
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                assert key(req.name) in pins, f"{name} needs {req.name}, which grade.txt lacks"
        spec = SpecifierSet(dist.metadata.get("Requires-Python") or "")
        for s in spec:
            if s.operator == ">=":
                lowest = max(lowest, tuple(int(p) for p in s.version.split(".")[:2]))
    from autograder.integrations.gradescope import requires_python
    assert requires_python(ROOT) == lowest
