"""The sandbox's outer limits: one cgroup per sandbox (memory of every kind, processes), SysV
shared memory and /tmp inodes capped in its own namespaces, the seccomp filter, and the
``isolation`` it reports (docs/SECURITY.md)."""
from __future__ import annotations

import errno
import json
import os
import subprocess

import pytest

from autograder.sandbox import cgroups
from autograder.sandbox import seccomp as seccomp_mod

from .conftest import requires_bwrap

pytestmark = [pytest.mark.sandbox, requires_bwrap]


def call(box, unit, fn, *args, timeout=30.0):
    reply = box.run(unit, [{"steps": [{"fn": fn, "args": list(args)}]}], timeout=timeout)
    assert reply["ok"] is True, reply
    result = reply["results"][0]
    assert "outputs" in result, result
    return json.loads(str(result["outputs"][0][0]))


INFO = '''
import json, os
def info():
    kernel = {k: int(open("/proc/sys/kernel/" + k).read()) for k in ("shmmax", "shmall", "shmmni", "shm_rmid_forced")}
    status = {l.split(":")[0]: l.split(":", 1)[1].strip() for l in open("/proc/self/status")}
    return json.dumps({"kernel": kernel, "tmp_inodes": os.statvfs("/tmp").f_files, "seccomp": status.get("Seccomp"),
                       "cgroup": open("/proc/self/cgroup").read()})
'''


def test_sandbox_tools_are_installed():
    """`make sandbox-tools` installs python3-seccomp; as root with a cgroupfs, cgroups are usable."""
    assert seccomp_mod.program() is not None, seccomp_mod.unavailable_reason()
    assert len(seccomp_mod.program()) % 8 == 0
    writable = os.geteuid() == 0 and any(os.access(p, os.W_OK) for p in ("/sys/fs/cgroup", "/sys/fs/cgroup/memory"))
    assert cgroups.available() == writable


def test_isolation_is_reported_and_real(make_sandbox):
    box = make_sandbox()
    assert box.isolation == "bwrap"  # before it starts: the mode only
    box.start()
    want = "bwrap" + ("+cgroup" if cgroups.available() else "") + ("+seccomp" if seccomp_mod.program() else "")
    assert box.isolation == want
    box.load("u", INFO, "u.py")
    got = call(box, "u", "info")
    limits = box.limits
    assert got["kernel"] == {"shmmax": limits.shm_bytes, "shmall": limits.shm_bytes // os.sysconf("SC_PAGE_SIZE"),
                             "shmmni": limits.shm_segments, "shm_rmid_forced": 1}
    assert got["tmp_inodes"] == limits.tmp_inodes
    assert got["seccomp"] == ("2" if "+seccomp" in want else "0")  # 2: a filter is installed
    if "+cgroup" in want:
        names = {os.path.basename(d) for d in box._cgroup.dirs}
        assert all(any(line.endswith("/" + n) for line in got["cgroup"].splitlines()) for n in names), got["cgroup"]
        limit_file = "memory.max" if box._cgroup.version == "v2" else "memory.limit_in_bytes"
        with open(os.path.join(box._cgroup.memory_dir, limit_file)) as handle:
            assert abs(int(handle.read()) - limits.cgroup_memory_bytes) < 8192
        dirs = list(box._cgroup.dirs)
        box.close()
        assert not any(os.path.exists(d) for d in dirs)  # removed with the sandbox


HOGS = '''
import json, os, time
import numpy as np
def hogs(n, mib):
    pids, reads = [], []
    for _ in range(int(n)):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                held = np.ones(int(mib) << 17)  # every page touched
                os.write(w, b"1")
                time.sleep(60)
            finally:
                os._exit(0)
        os.close(w)
        pids.append(pid)
        reads.append(r)
    allocated = [os.read(r, 1) == b"1" for r in reads]
    time.sleep(0.3)
    alive = [os.waitpid(pid, os.WNOHANG) == (0, 0) for pid in pids]
    for pid, running in zip(pids, alive):
        if running:  # (the others were reaped by the WNOHANG wait)
            os.kill(pid, 9)
            os.waitpid(pid, 0)
    return json.dumps([a and b for a, b in zip(allocated, alive)])
'''


def test_memory_of_all_processes_is_bounded_by_the_cgroup(make_sandbox):
    """RLIMIT_AS bounds each process; the cgroup bounds the sandbox: three processes of 400 MiB
    (each under its own 512 MiB RLIMIT_AS) cannot all be held under a 700 MiB sandbox limit."""
    box = make_sandbox(memory_bytes=512 << 20, sandbox_memory_bytes=700 << 20)
    box.start()
    assert "+cgroup" in box.isolation
    box.load("u", HOGS, "u.py")
    held = call(box, "u", "hogs", 3, 400)
    assert sum(held) <= 1, held
    assert box._cgroup.oom_kills() >= 1
    assert box._cgroup.memory_peak() <= 700 << 20
    # the sandbox itself is fine: the next call works
    box.load("v", INFO, "v.py")
    assert call(box, "v", "info")["tmp_inodes"] == box.limits.tmp_inodes


SHM = '''
import ctypes, json, os
def shm():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype, libc.shmat.argtypes = ctypes.c_void_p, [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    libc.shmdt.argtypes = [ctypes.c_void_p]
    out = {}
    out["big"] = libc.shmget(0, 64 << 20, 0o1600), ctypes.get_errno()
    sid = libc.shmget(0, 16 << 20, 0o1600)
    addr = libc.shmat(sid, None, 0)
    ctypes.memset(addr, 1, 16 << 20)
    libc.shmdt(addr)
    out["freed_on_detach"] = libc.shmctl(sid, 2, ctypes.create_string_buffer(512)) != 0
    ids = []
    for _ in range(64):
        s = libc.shmget(0, 1 << 20, 0o1600)
        if s < 0:
            out["segments"] = len(ids), ctypes.get_errno()
            break
        ids.append(s)
    return json.dumps(out)
'''


def test_sysv_shared_memory_is_limited_and_freed_on_detach(make_sandbox):
    box = make_sandbox()
    box.load("u", SHM, "u.py")
    got = call(box, "u", "shm")
    assert got["big"] == [-1, errno.EINVAL]  # larger than shmmax (32 MiB)
    assert got["freed_on_detach"] is True  # shm_rmid_forced
    assert got["segments"] == [box.limits.shm_segments, errno.ENOSPC]  # shmmni


FLOOD = '''
import json, os
def flood(n):
    for i in range(int(n)):
        try:
            open(f"/tmp/f{i}", "w").close()
        except OSError as exc:
            return json.dumps([i, exc.errno])
    return json.dumps([int(n), 0])
'''


def test_tmp_has_an_inode_cap(make_sandbox):
    box = make_sandbox(tmp_inodes=3000)
    box.load("u", FLOOD, "u.py")
    made, err = call(box, "u", "flood", 100000)
    assert err == errno.ENOSPC and 2990 <= made < 3000  # (the root folder holds one inode)


def _syscall_numbers(names):
    code = ("import json, sys, seccomp\n"
            "print(json.dumps({n: seccomp.resolve_syscall(seccomp.Arch.NATIVE, n) for n in sys.argv[1:]}))")
    out = subprocess.run(["/usr/bin/python3", "-I", "-c", code, *names], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


SYSCALLS = '''
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def attempt(numbers):
    out = {}
    for name, (nr, args) in numbers.items():
        ctypes.set_errno(0)
        r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
        if r == 0 and name == "clone":
            os._exit(0)  # (only if the filter let a namespace-creating clone through)
        out[name] = [r, ctypes.get_errno()]
    return json.dumps(out)
'''

CLONE_NEWUSER, SIGCHLD = 0x10000000, 17
# Arguments harmless if the call went through; without the filter most of them succeed or
# fail with another errno (unshare(CLONE_NEWUSER) and ptrace(PTRACE_TRACEME) succeed).
DENIED_CALLS = {
    "unshare": [CLONE_NEWUSER], "setns": [-1, 0], "clone": [CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0],
    "ptrace": [0, 0, 0, 0],  # PTRACE_TRACEME
    "bpf": [-1, 0, 0], "perf_event_open": [0, 0, -1, -1, 0],
    "keyctl": [-1, 0, 0, 0, 0], "add_key": [0, 0, 0, 0, 0], "request_key": [0, 0, 0, 0],
    "mount": [0, 0, 0, 0, 0], "umount2": [0, 0], "pivot_root": [0, 0],
    "init_module": [0, 0, 0], "finit_module": [-1, 0, 0], "delete_module": [0, 0],
    "kexec_load": [0, 0, 0, 0], "kexec_file_load": [-1, -1, 0, 0, 0],
    "userfaultfd": [0], "fsopen": [0, 0], "open_tree": [-1, 0, 0],
}


def test_seccomp_denies_namespaces_ptrace_bpf_keys_mounts_modules_and_kexec(make_sandbox):
    numbers = _syscall_numbers([*DENIED_CALLS, "clone3"])
    box = make_sandbox()
    box.load("u", SYSCALLS, "u.py")
    program = {name: [numbers[name], args] for name, args in DENIED_CALLS.items()}
    program["clone3"] = [numbers["clone3"], [0, 0]]
    got = call(box, "u", "attempt", program)
    assert {name: tuple(got[name]) for name in DENIED_CALLS} == {name: (-1, errno.EPERM) for name in DENIED_CALLS}
    assert tuple(got["clone3"]) == (-1, errno.ENOSYS)  # libc falls back to clone, whose flags the filter reads


WORKS = '''
import json, os, subprocess, threading
import numpy as np
def works():
    out = {}
    a = np.random.default_rng(0).standard_normal((64, 64))
    out["svd"] = float(np.linalg.svd(a, compute_uv=False).sum()) > 0
    box = []
    t = threading.Thread(target=lambda: box.append(float((a @ a.T).trace())))
    t.start(); t.join()
    out["thread"] = len(box) == 1
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    out["fork"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7
    out["spawn"] = subprocess.run(["/usr/bin/true"]).returncode == 0  # posix_spawn: clone3 -> clone
    return json.dumps(out)
'''


def test_numpy_threads_fork_and_spawn_work_under_the_filter(make_sandbox):
    box = make_sandbox()
    box.load("u", WORKS, "u.py")
    assert call(box, "u", "works") == {"svd": True, "thread": True, "fork": True, "spawn": True}
    assert "+seccomp" in box.isolation


def test_the_filter_is_built_once_and_kept_as_built(tmp_path, monkeypatch):
    """The BPF program is kept under a hash of what it is built from: the next grader process reads
    the same bytes instead of starting /usr/bin/python3; a damaged copy is built again."""
    monkeypatch.setattr(seccomp_mod, "CACHE", tmp_path)
    seccomp_mod._built.cache_clear()
    try:
        built = seccomp_mod.program(no_sysv_ipc=True)
        assert built is not None, seccomp_mod.unavailable_reason()
        (kept,) = tmp_path.glob("seccomp-*.bpf")
        assert kept.read_bytes() == built
        seccomp_mod._built.cache_clear()
        monkeypatch.setattr(seccomp_mod.subprocess, "run", lambda *a, **k: pytest.fail("built again"))
        assert seccomp_mod.program(no_sysv_ipc=True) == built
        monkeypatch.undo()
        monkeypatch.setattr(seccomp_mod, "CACHE", tmp_path)
        kept.write_bytes(built[:-3])  # not whole records
        seccomp_mod._built.cache_clear()
        assert seccomp_mod.program(no_sysv_ipc=True) == built
        assert seccomp_mod.program() != built  # other rules: another program, under another name
        assert len(list(tmp_path.glob("seccomp-*.bpf"))) == 2
    finally:
        seccomp_mod._built.cache_clear()
