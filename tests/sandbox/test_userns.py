"""The sandbox of a grader that is not root: bwrap in its own user namespace (docs/SECURITY.md).

Run by an ordinary user: as root, the test makes one (``useradd``) and runs a small grader
script as that user (``runuser``) with a runtime every user may run (Debian's python3 and this
venv's packages).  What student code inside sees is checked from inside: the user's own uid
and no capabilities, only the sandbox's files and processes, no network, no new namespaces,
no SysV IPC, a size-limited /tmp, and a process limit that counts this sandbox only.
"""
from __future__ import annotations

import ast
import json
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grading import terminal  # noqa: F401  (installs the glossary's renderer: probe.WORDING)
from autograder.sandbox import probe
from autograder.sandbox.probe import Words
from autograder.student.messages import MESSAGES
from tests.cli.test_one_language import HANGUL, english_sentences

from .conftest import runtime_for_every_user

USER = "u"

pytestmark = pytest.mark.sandbox

# What the unit reports from inside its sandbox (a JSON string: the grader never unpickles).
INSIDE = r'''
import ctypes, errno, json, os, resource, socket, time
libc = ctypes.CDLL(None, use_errno=True)

def report():
    status = {l.split(":")[0]: l.split(":", 1)[1].strip() for l in open("/proc/self/status")}
    out = {"uid": os.getuid(), "cap_eff": status["CapEff"], "seccomp": status["Seccomp"],
           "root": sorted(os.listdir("/")), "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
           "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0]}
    st = os.statvfs("/tmp")
    out["tmp_bytes"], out["tmp_inodes"] = st.f_blocks * st.f_frsize, st.f_files
    out["kernel"] = {k: int(open("/proc/sys/kernel/" + k).read()) for k in ("shmmax", "shmmni", "shm_rmid_forced")}
    st = os.statvfs("/dev/shm")
    out["shm_bytes"] = st.f_blocks * st.f_frsize
    out["writable"] = []
    for folder in ("/", "/dev", "/opt", "/usr"):  # the user owns the tmpfs bwrap makes for / and /dev
        try:
            open(os.path.join(folder, "x"), "w").close()
            out["writable"].append(folder)
        except OSError:
            pass
    try:
        socket.create_connection(("127.0.0.1", 22), timeout=2).close()
        out["net"] = "connected"
    except OSError as exc:
        out["net"] = errno.errorcode.get(exc.errno, str(exc.errno))
    out["unshare_user"] = 0 if libc.unshare(0x10000000) == 0 else errno.errorcode[ctypes.get_errno()]
    out["shmget"] = 0 if libc.shmget(0, 4096, 0o1600) >= 0 else errno.errorcode[ctypes.get_errno()]
    children = []
    for _ in range(40):  # more than the process limit: the sandbox holds the worker and this unit already
        try:
            pid = os.fork()
        except BlockingIOError:
            break
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        children.append(pid)
    out["forked"] = len(children)
    for pid in children:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    try:
        bytearray(3 << 30)
        out["big"] = "allocated"
    except MemoryError:
        out["big"] = "MemoryError"
    return json.dumps(out)
'''

GRADER = r'''
import json, subprocess, sys
from autograder.sandbox import box, probe
# the user's own processes outside the sandbox: with a per-user-namespace RLIMIT_NPROC they do not count
outside = [subprocess.Popen(["sleep", "60"]) for _ in range(30)]
try:
    sandbox = box.Sandbox(box.Limits(processes=16), slot=0)
    sandbox.start()
    loaded = sandbox.load("u", sys.argv[1], "u.py")
    reply = sandbox.run("u", [{"steps": [{"fn": "report", "args": []}]}], timeout=60)
    sandbox.close()
finally:
    for proc in outside:
        proc.kill()
        proc.wait()
print(json.dumps({"mode": box.isolation_mode(), "isolation": sandbox.isolation, "loaded": loaded,
                  "inside": json.loads(str(reply["results"][0]["outputs"][0][0])),
                  "nproc_per_userns": probe.facts().nproc_per_userns, "userns_ipc": probe.facts().userns_ipc}))
'''


def _as_user(argv: list[str], tmp_path) -> list[str]:
    if os.geteuid() != 0:
        return argv
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["/usr/sbin/useradd", "-m", USER], check=True)
    return ["/usr/sbin/runuser", "-u", USER, "--", *argv]


@pytest.fixture(scope="module")
def inside(tmp_path_factory):
    """What a unit reported from a sandbox started by an ordinary user's grader."""
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap is needed (make sandbox-tools)")
    tmp_path = tmp_path_factory.mktemp("userns")
    python = runtime_for_every_user(tmp_path) if os.geteuid() == 0 else sys.executable
    proc = subprocess.run(_as_user([python, "-I", "-c", GRADER, INSIDE], tmp_path), capture_output=True, text=True,
                          timeout=300, cwd="/", env={"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1",
                                                     "LANG": "C.UTF-8"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_an_ordinary_user_gets_the_user_namespace_sandbox(inside):
    assert inside["mode"] == "bwrap-userns"
    assert inside["isolation"].startswith("bwrap-userns+rlimits")
    assert inside["isolation"].endswith("+seccomp")  # python3-seccomp builds the filter as any user
    assert inside["loaded"] == {"ok": True}
    got = inside["inside"]
    assert got["uid"] != 0 and got["cap_eff"] == "0000000000000000" and got["seccomp"] == "2"


def test_student_code_sees_only_the_sandbox(inside):
    got = inside["inside"]
    assert set(got["root"]) <= {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "proc", "dev", "tmp", "opt"}
    assert len(got["pids"]) <= 4  # bwrap's init, the worker, this unit (its own pid namespace)
    assert got["net"] in ("ENETUNREACH", "ECONNREFUSED", "EPERM")  # its own network namespace, no route out
    assert got["net"] != "connected"
    assert got["unshare_user"] == "EPERM"
    if inside["userns_ipc"]:  # the IPC namespace's limits, set as root's launcher sets them
        assert got["kernel"] == {"shmmax": 32 << 20, "shmmni": 32, "shm_rmid_forced": 1} and got["shmget"] == 0
    else:  # the kernel does not let them be set: no SysV IPC at all
        assert got["shmget"] == "EPERM"
    assert got["tmp_bytes"] == 64 << 20 and got["shm_bytes"] == 32 << 20  # Limits().tmp_bytes, shm_bytes
    assert got["tmp_inodes"] == 8192  # Limits().tmp_inodes: no inode flood in /tmp
    assert got["writable"] == []  # memory outside /tmp and /dev/shm, which are bounded


def test_process_and_memory_limits_hold_per_sandbox(inside):
    got = inside["inside"]
    assert got["big"] == "MemoryError"  # RLIMIT_AS
    if inside["nproc_per_userns"]:
        # 30 processes of the same user run outside; inside, only this sandbox's count
        assert got["nproc"] == 16
        assert 8 <= got["forked"] < 16
    else:
        assert got["nproc"] != 16  # would count every process of the user: not set


def _facts(**kw) -> probe.Facts:
    base = dict(euid=1000, bwrap="/usr/bin/bwrap", setpriv="/usr/bin/setpriv", kernel=(6, 8))
    return probe.Facts(**{**base, **kw})


def test_the_mode_follows_the_host():
    assert probe.decide(_facts(euid=0)).mode == "bwrap"
    assert probe.decide(_facts(euid=0, root_error="bwrap: Creating new namespace failed")).mode == "uid"
    assert probe.decide(_facts()).mode == "bwrap-userns"
    assert probe.decide(_facts(euid=0, setpriv=None)).mode is None
    assert probe.decide(_facts(bwrap=None)).mode is None
    assert _facts(kernel=(5, 14)).nproc_per_userns and not _facts(kernel=(5, 13)).nproc_per_userns


@pytest.mark.parametrize("setting, fix", [
    (("user.max_user_namespaces", 0), "sudo sysctl -w user.max_user_namespaces="),
    (("kernel.apparmor_restrict_unprivileged_userns", 1), "apparmor_parser -r /etc/apparmor.d/bwrap"),
    (("kernel.unprivileged_userns_clone", 0), "sudo sysctl -w kernel.unprivileged_userns_clone=1"),
])
def test_without_user_namespaces_the_message_names_the_setting_and_the_ways_out(setting, fix):
    facts = _facts(userns_error=REFUSED, sysctls=(("user.max_user_namespaces", 15000), setting))
    decision = probe.decide(facts)
    assert decision.mode is None and decision.kind == "userns"
    text = decision.message("en")
    name, value = setting
    assert f"{name}={value}" in text and fix in text and "run the grader as root" in text
    assert "Permission denied" in text
    assert text.index(fix) < text.index("--no-sandbox")  # the last resort, said last
    if name != "user.max_user_namespaces":
        assert "user.max_user_namespaces=15000" not in text  # a setting that allows them is not blamed


def test_without_user_namespaces_and_no_setting_to_blame_the_ways_out_are_still_named():
    text = probe.decide(_facts(userns_error="bwrap: No permissions to create new namespace")).message("en")
    assert "No permissions to create new namespace" in text and "AppArmor" in text and "as root" in text
    assert text.index("as root") < text.index("--no-sandbox")


def test_without_bubblewrap_an_ordinary_user_is_not_told_to_become_root():
    text = probe.decide(_facts(bwrap=None)).message("en")
    assert "apt-get install bubblewrap" in text and "Root is not needed" in text
    assert text.index("apt-get") < text.index("--no-sandbox")
    assert "Root is not needed" not in probe.decide(_facts(euid=0, bwrap=None)).message("en")


# ------------------------------------------------------------------ the words, in either language

# What bwrap itself printed (quoted as it is, in any language), as the probe records it.
BWRAP_SAID = "bwrap: setting up uid map: Permission denied"
REFUSED = Words("sandbox.bwrap-no-namespaces", error=BWRAP_SAID)
UNEXPLAINED = "bwrap: No permissions to create new namespace"
EVERY_SETTING = (("user.max_user_namespaces", 0), ("kernel.unprivileged_userns_clone", 0),
                 ("kernel.apparmor_restrict_unprivileged_userns", 1))
INSTALL = Words("sandbox.install-bwrap")

# Every outcome of decide() that leaves the grader without bwrap: facts -> mode, kind, reason, advice.
OUTCOMES = {
    "no-bwrap-root": (_facts(euid=0, bwrap=None), None, "missing", Words("sandbox.no-bwrap"), INSTALL),
    "no-bwrap-user": (_facts(bwrap=None), None, "missing", Words("sandbox.no-bwrap"),
                      Words("sandbox.install-bwrap-user", install=INSTALL)),
    "no-setpriv": (_facts(euid=0, setpriv=None), None, "setpriv", Words("sandbox.no-setpriv"),
                   Words("sandbox.install-util-linux")),
    "no-namespaces": (_facts(euid=0, root_error=REFUSED), "uid", "namespaces", REFUSED,
                      Words("sandbox.namespaces-uid-fallback")),
    "userns-every-setting": (
        _facts(userns_error=REFUSED, sysctls=EVERY_SETTING), None, "userns",
        Words("sandbox.userns-refused-by", settings="user.max_user_namespaces=0, kernel.unprivileged_userns_clone=0, "
              "kernel.apparmor_restrict_unprivileged_userns=1", error=REFUSED),
        Words("sandbox.userns-fixes", fixes=[Words("sandbox.fix-max-userns"), Words("sandbox.fix-userns-clone"),
                                             Words("sandbox.fix-apparmor"), Words("sandbox.fix-root")])),
    "userns-no-setting": (
        _facts(userns_error=UNEXPLAINED, sysctls=(("user.max_user_namespaces", 15000),)), None, "userns",
        Words("sandbox.userns-refused", error=UNEXPLAINED),
        Words("sandbox.userns-fixes", fixes=[Words("sandbox.fix-apparmor"), Words("sandbox.fix-root")])),
}
# Machine text a Korean sentence quotes as it is: bwrap's own words, the kernel's settings.
QUOTED = (BWRAP_SAID, UNEXPLAINED, *(f"{name}={value}" for name, value in EVERY_SETTING))


def _korean_only(text: str) -> list[str]:
    """The English sentences left in a Korean ``text`` once the machine output it quotes is set aside."""
    for quoted in QUOTED:
        text = text.replace(quoted, " ")
    return english_sentences(text)


@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_every_outcome_is_a_message_code_with_its_parameters(outcome):
    facts, mode, kind, reason, advice = OUTCOMES[outcome]
    decision = probe.decide(facts)
    assert (decision.mode, decision.kind, decision.reason, decision.advice) == (mode, kind, reason, advice)
    assert decision.words() == Words("sandbox.unavailable", reason=reason, advice=advice)


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_every_outcome_is_said_in_either_language(outcome, language):
    text = probe.decide(OUTCOMES[outcome][0]).message(language)
    assert "--no-sandbox" in text and "{" not in text.replace("{ userns, }", "")  # every placeholder filled
    if language == "en":
        assert text.startswith("Student code runs only inside a sandbox, which is unavailable: ")
        assert not HANGUL.search(text), text
    else:
        assert text.startswith("학생의 코드는 샌드박스 안에서만 실행됩니다.") and "믿을 수 있는 코드에만" in text
        assert not _korean_only(text), (_korean_only(text), text)
    for quoted in QUOTED:  # machine output is quoted alike in both
        assert (quoted in text) == (quoted in probe.decide(OUTCOMES[outcome][0]).message("en"))


def test_the_korean_checker_is_not_vacuous():
    english = probe.decide(OUTCOMES["userns-every-setting"][0]).message("en")
    assert _korean_only(english)
    assert _korean_only("샌드박스를 쓸 수 없습니다: bubblewrap (bwrap) is not installed")
    assert not _korean_only(f"`bwrap`은(는) 설치되어 있지만 네임스페이스를 만들 수 없습니다: {BWRAP_SAID}")


def _raised(call) -> probe.SandboxUnavailable:
    with pytest.raises(probe.SandboxUnavailable) as info:
        call()
    return info.value


def _raise_sites(monkeypatch, tmp_path):
    """The failures the sandbox itself meets, raised where they are (a name -> a call that raises)."""
    import importlib.util

    from autograder.sandbox import launchers, layout, uids

    def no_numpy():
        monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
        layout._numpy_dirs()

    def no_lock_dir():
        blocked = tmp_path / "file"
        blocked.write_text("")
        monkeypatch.setattr(uids, "UID_LOCK_DIRS", (str(blocked / "locks"),))
        uids.claim_uid(0)

    def course_readable():
        course = tmp_path / "course"
        (course / "reference").mkdir(parents=True)
        course.chmod(0o755)
        (course / "reference").chmod(0o755)
        monkeypatch.setattr(layout, "COURSE_ROOT", course)
        monkeypatch.setattr(layout, "_world_reachable", lambda path: True)
        launchers.check_uid_fallback()

    def runtime_unreadable():
        monkeypatch.setattr(layout, "_world_reachable", lambda path: False)
        launchers.check_uid_fallback()

    return {"no-numpy": no_numpy, "no-lock-dir": no_lock_dir, "course-readable": course_readable,
            "runtime-unreadable": runtime_unreadable,
            "bind-the-course": lambda: layout._check_bindable(layout.COURSE_ROOT.as_posix())}


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("site", ["no-numpy", "no-lock-dir", "course-readable", "runtime-unreadable",
                                  "bind-the-course"])
def test_the_sandboxs_own_failures_are_said_in_either_language(site, language, monkeypatch, tmp_path):
    monkeypatch.setattr(probe, "facts", lambda: _facts(euid=0))  # a host with a sandbox: this one failed
    error = _raised(_raise_sites(monkeypatch, tmp_path)[site])
    monkeypatch.undo()
    assert isinstance(error.words.params["reason"], Words)  # the reason is a message code, not prose
    text = error.message(language)
    assert "{" not in text
    if language == "en":
        assert text.startswith("Student code runs only inside a sandbox, which is unavailable: ") and text == str(error)
        assert not HANGUL.search(text)
    else:
        assert text.startswith("학생의 코드는 샌드박스 안에서만 실행됩니다.")
        assert not english_sentences(text.replace(str(tmp_path), "/tmp")), text


def test_with_no_sandbox_here_a_failure_also_says_what_to_do(monkeypatch):
    probe_facts = OUTCOMES["no-bwrap-user"][0]
    monkeypatch.setattr(probe, "facts", lambda: probe_facts)
    error = probe.SandboxUnavailable(Words("sandbox.uids-in-use"))
    assert error.words == Words("sandbox.unavailable", reason=Words("sandbox.uids-in-use"),
                                advice=probe.decide(probe_facts).advice)
    assert "apt-get install bubblewrap" in str(error) and "모두 사용 중입니다" in error.message("ko")


def test_str_is_the_glossarys_english(monkeypatch):
    """Where no language is chosen (a log, a class run's item message) the error reads in English,
    worded by the glossary: the sandbox keeps no sentence of its own."""
    monkeypatch.setattr(probe, "facts", lambda: _facts(euid=0))
    error = probe.SandboxUnavailable(Words("sandbox.uids-in-use"))
    quoted = probe.SandboxUnavailable("the sandbox did not start (OSError: ENOMEM)")
    assert str(error) == "Student code runs only inside a sandbox, which is unavailable: every sandbox uid is in use."
    assert error.message("ko") == "학생의 코드는 샌드박스 안에서만 실행됩니다. 샌드박스 `uid`가 모두 사용 중입니다."
    assert str(quoted).endswith("unavailable: the sandbox did not start (OSError: ENOMEM).")  # text quoted as it is


SANDBOX = Path(probe.__file__).parent


def _calls(name: str):
    for path in sorted(SANDBOX.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
                yield path.name, node


def test_the_sandbox_raises_codes_not_sentences():
    """Every raise of SandboxUnavailable in sandbox/ passes a message code (Words) or nothing, and
    every code it names is in the glossary in both languages, and used."""
    sites = list(_calls("SandboxUnavailable"))
    assert len(sites) >= 10
    for where, call in sites:
        assert all(isinstance(a, ast.Call) and getattr(a.func, "id", None) == "Words" for a in call.args), \
            (where, call.lineno)
    named = {c.args[0].value for _, c in _calls("Words") if c.args and isinstance(c.args[0], ast.Constant)}
    source = "".join(p.read_text(encoding="utf-8") for p in SANDBOX.glob("*.py"))
    sandbox_codes = {code for code in MESSAGES if code.startswith("sandbox.")}
    assert named - sandbox_codes == set()
    assert {code for code in sandbox_codes if f'"{code}"' not in source} == set()  # no wording left behind
    for code in sandbox_codes:
        assert set(MESSAGES[code]) == {"en", "ko"}
    assert "runs only inside a sandbox" not in source and "is not installed" not in source  # no English copy
