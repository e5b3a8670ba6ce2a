"""The sandbox of a grader that is not root: bwrap in its own user namespace (docs/SECURITY.md).

Run by an ordinary user: as root, the test makes one (``useradd``) and runs a small grader
script as that user (``runuser``) with a runtime every user may run (Debian's python3 and this
venv's packages).  What student code inside sees is checked from inside: the user's own uid
and no capabilities, only the sandbox's files and processes, no network, no new namespaces,
no SysV IPC, a size-limited /tmp, and a process limit that counts this sandbox only.
"""
from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys

import pytest

from autograder.sandbox import probe

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
    error = "bwrap is installed but cannot create its namespaces: bwrap: setting up uid map: Permission denied"
    facts = _facts(userns_error=error, sysctls=(("user.max_user_namespaces", 15000), setting))
    decision = probe.decide(facts)
    assert decision.mode is None and decision.kind == "userns"
    text = decision.message()
    name, value = setting
    assert f"{name}={value}" in text and fix in text and "run the grader as root" in text
    assert "Permission denied" in text
    assert text.index(fix) < text.index("--no-sandbox")  # the last resort, said last
    if name != "user.max_user_namespaces":
        assert "user.max_user_namespaces=15000" not in text  # a setting that allows them is not blamed


def test_without_user_namespaces_and_no_setting_to_blame_the_ways_out_are_still_named():
    text = probe.decide(_facts(userns_error="bwrap: No permissions to create new namespace")).message()
    assert "No permissions to create new namespace" in text and "AppArmor" in text and "as root" in text
    assert text.index("as root") < text.index("--no-sandbox")


def test_without_bubblewrap_an_ordinary_user_is_not_told_to_become_root():
    text = probe.decide(_facts(bwrap=None)).message()
    assert "apt-get install bubblewrap" in text and "Root is not needed" in text
    assert text.index("apt-get") < text.index("--no-sandbox")
