"""Owns: what the sandbox sees -- its mount layout, its environment, the worker's files.

Every launcher (launchers.py) builds its sandbox from these: bwrap binds exactly the Python
runtime, numpy and the worker's three files read-only (``bwrap_mounts``), everything else
of the host (the course, the results, other students, /home, /etc) stays out; the uid
fallback and ``--no-sandbox`` copy the worker's files into a private folder instead
(``private_opt``).
"""
from __future__ import annotations

import functools
import importlib.util
import json
import os
import shutil
import sys
import sysconfig
import tempfile
from glob import glob
from pathlib import Path

from autograder.sandbox.probe import SandboxUnavailable, Words, system_links

INSIDE = "/opt/rnnlab"  # where worker.py, protocol.py, program.py and site/numpy appear
WORKER_FILES = ("worker.py", "protocol.py", "program.py")
HERE = Path(__file__).resolve().parent / "inside"  # exactly what is bound into the sandbox
COURSE_ROOT = Path(__file__).resolve().parents[2]
ENV = {  # the sandbox's whole environment
    "PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
}
# OpenBLAS's kernel choice, passed on when the host sets it: some machines need it because
# their default kernels crash or compute wrong results, and student code must run the same
# kernels as the reference it is compared with.  Values are short words or numbers.
BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def sandbox_env() -> dict[str, str]:
    """The sandbox's whole environment: ENV plus the host's BLAS kernel settings, if plain."""
    env = dict(ENV)
    for key in BLAS_ENV:
        value = os.environ.get(key, "")
        if value and len(value) <= 32 and value.isalnum():
            env[key] = value
    return env


_NEVER_BIND = ("/", "/root", "/home", "/etc", "/work", "/tmp", "/var", "/opt", "/srv", "/mnt", "/media")


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _check_bindable(path: str) -> None:
    course = COURSE_ROOT.as_posix()
    if path in _NEVER_BIND or _under(course, path) or _under(path, course):
        raise SandboxUnavailable(Words("sandbox.refuse-bind-runtime", path=path))


def _python_roots() -> tuple[str, list[str]]:
    """The real interpreter and the directories that must be visible for it to run."""
    exe = os.path.realpath(sys.executable)
    roots: list[str] = []
    for prefix in (sys.base_prefix, sys.base_exec_prefix):
        real = os.path.realpath(prefix)
        if not _under(real, "/usr") and real not in roots:
            roots.append(real)
    if not _under(exe, "/usr") and not any(_under(exe, r) for r in roots):
        roots.append(exe)
    for root in roots:
        _check_bindable(root)
    return exe, roots


def _hidden_site_dirs(roots: list[str]) -> list[str]:
    """Every site-packages/dist-packages the bound trees contain: hidden under an empty tmpfs."""
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    found = {os.path.realpath(sysconfig.get_path(k, vars=base)) for k in ("purelib", "platlib")}
    for root in ["/usr", *roots]:
        for pattern in ("lib*/python3*/site-packages", "lib*/python3*/dist-packages", "lib/python3/dist-packages",
                        "local/lib*/python3*/site-packages", "local/lib*/python3*/dist-packages"):
            found.update(os.path.realpath(p) for p in glob(os.path.join(root, pattern)))
    for entry in sys.path:
        if entry.endswith(("site-packages", "dist-packages")):
            found.add(os.path.realpath(entry))
    visible = ["/usr", *roots]
    return sorted(d for d in found if os.path.isdir(d) and any(_under(d, r) and d != r for r in visible))


def _numpy_dirs() -> list[str]:
    spec = importlib.util.find_spec("numpy")
    if spec is None or not spec.origin:
        raise SandboxUnavailable(Words("sandbox.no-numpy"))
    pkg = os.path.realpath(os.path.dirname(spec.origin))
    dirs = [pkg]
    libs = os.path.join(os.path.dirname(pkg), "numpy.libs")
    if os.path.isdir(libs):
        dirs.append(os.path.realpath(libs))
    return dirs


def worker_argv(exe: str, folder: str, limits: dict) -> list[str]:
    """``python ... LIMITS_JSON`` starting the worker from ``folder`` (where WORKER_FILES are).

    worker.py is imported, not run as a script: a script is compiled from source at every start,
    an imported module's bytecode comes from ``folder/__pycache__`` (``_bytecode``).  The cyclic
    garbage collector is off until the worker's imports are done (``worker.main`` turns it on):
    numpy's import makes no garbage, and collecting while it runs cost every sandbox start CPU."""
    start = f"import gc, sys; gc.disable(); sys.path.insert(0, {folder!r}); import worker; worker.main()"
    return [exe, "-I", "-S", "-B", "-c", start, json.dumps(limits, separators=(",", ":"))]


KEPT = Path(__file__).resolve().parent / "__pycache__"  # trusted as the package's own bytecode is


def _compile_worker(cache: str) -> None:
    """WORKER_FILES compiled into the folder ``cache`` (hash-checked pycs, readable by anyone)."""
    import py_compile

    os.chmod(cache, 0o755)  # read by the sandbox's uid, written by nobody but us
    for name in WORKER_FILES:
        target = os.path.join(cache, os.path.basename(importlib.util.cache_from_source(name, optimization="")))
        py_compile.compile(str(HERE / name), cfile=target, dfile=f"{INSIDE}/{name}", doraise=True, optimize=0,
                           invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
        os.chmod(target, 0o644)


def _kept_bytecode() -> str | None:
    """The compiled WORKER_FILES kept in this package's ``__pycache__`` across grader processes,
    in a folder named after their sources and this interpreter's bytecode version (made once per
    installation, atomically); None where that folder cannot be written."""
    import hashlib
    import py_compile

    key = hashlib.sha256(importlib.util.MAGIC_NUMBER + sys.implementation.cache_tag.encode())
    for name in WORKER_FILES:
        key.update(b"\0" + name.encode() + b"\0" + (HERE / name).read_bytes())
    kept = KEPT / f"worker-{key.hexdigest()[:32]}"
    expected = {os.path.basename(importlib.util.cache_from_source(name, optimization="")) for name in WORKER_FILES}
    try:
        if set(os.listdir(kept)) == expected:
            return str(kept)
    except OSError:
        pass
    try:
        KEPT.mkdir(exist_ok=True)
        fresh = tempfile.mkdtemp(prefix=".worker-", dir=KEPT)
    except OSError:
        return None
    try:
        _compile_worker(fresh)
        for old in KEPT.glob("worker-*"):  # the bytecode of earlier sources
            if old != kept:
                shutil.rmtree(old, ignore_errors=True)
        os.rename(fresh, kept)  # fails if another grader kept it first: then that one is used
    except (OSError, py_compile.PyCompileError):
        shutil.rmtree(fresh, ignore_errors=True)
        return str(kept) if os.path.isdir(kept) and set(os.listdir(kept)) == expected else None
    return str(kept)


@functools.lru_cache(maxsize=1)
def _bytecode() -> str | None:
    """A ``__pycache__`` folder with WORKER_FILES compiled; None if it cannot be made (the worker
    then compiles them itself, as it always may).

    Without it every sandbox start compiled worker.py, protocol.py and program.py from source
    (a tenth of a start's cost, benchmarks/README.md): their folder in the sandbox is
    bound file by file, so the package's own ``__pycache__`` is not there.  The folder is kept
    across grader processes (``_kept_bytecode``), else made once per grader process.  Hash-checked
    pycs (PEP 552): the interpreter in the sandbox uses one only if it was compiled from exactly
    the source beside it, whatever the files' times."""
    import atexit
    import py_compile

    kept = _kept_bytecode()
    if kept is not None:
        return kept
    folder = tempfile.mkdtemp(prefix="rnnlab-pyc-")
    atexit.register(shutil.rmtree, folder, True)
    cache = os.path.join(folder, "__pycache__")
    try:
        os.mkdir(cache)
        _compile_worker(cache)
    except (OSError, py_compile.PyCompileError):
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return cache


def _copy_worker(opt: str, mode: int | None = None) -> None:
    """WORKER_FILES and their bytecode into ``opt`` (the uid fallback and --no-sandbox)."""
    cache = _bytecode()
    names: list[tuple[str | Path, str]] = [(HERE / name, os.path.join(opt, name)) for name in WORKER_FILES]
    if cache is not None:
        os.makedirs(os.path.join(opt, "__pycache__"))
        names += [(os.path.join(cache, pyc), os.path.join(opt, "__pycache__", pyc)) for pyc in os.listdir(cache)]
        if mode is not None:
            os.chmod(os.path.join(opt, "__pycache__"), 0o755)
    for source, target in names:
        shutil.copyfile(source, target)
        if mode is not None:
            os.chmod(target, mode)


def bwrap_mounts(tmp: list[str]) -> list[str]:
    """bwrap options for what every bwrap sandbox sees: its environment, /usr and the system links,
    /proc, /dev, its /tmp (``tmp``: the options that make it), the Python runtime with every
    site-packages hidden, the worker's files and numpy at INSIDE; it starts in /tmp."""
    exe, roots = _python_roots()
    opts = ["--clearenv"]
    for key, value in sandbox_env().items():
        opts += ["--setenv", key, value]
    opts += ["--ro-bind", "/usr", "/usr", *system_links(), "--proc", "/proc", "--dev", "/dev", *tmp]
    made: set[str] = set()
    for root in roots:
        opts += _mkdirs(root, made) + ["--ro-bind", root, root]
    for hidden in _hidden_site_dirs(roots):
        opts += ["--size", "4096", "--tmpfs", hidden]
    opts += _mkdirs(f"{INSIDE}/site/x", made)
    for name in WORKER_FILES:
        opts += ["--ro-bind", str(HERE / name), f"{INSIDE}/{name}"]
    cache = _bytecode()
    if cache is not None:
        opts += ["--ro-bind", cache, f"{INSIDE}/__pycache__"]
    for directory in _numpy_dirs():
        opts += ["--ro-bind", directory, f"{INSIDE}/site/{os.path.basename(directory)}"]
    return opts + ["--chdir", "/tmp"]


def private_opt(folder: str, mode: int | None = None) -> str:
    """``folder/opt`` holding the worker's files and ``site`` (numpy, linked): the uid fallback's
    and --no-sandbox's INSIDE.  ``mode``: the files' mode (readable by the sandbox's uid)."""
    opt = os.path.join(folder, "opt")
    os.makedirs(os.path.join(opt, "site"))
    if mode is not None:
        for sub in (opt, os.path.join(opt, "site")):
            os.chmod(sub, 0o755)
    _copy_worker(opt, mode)
    for directory in _numpy_dirs():
        os.symlink(directory, os.path.join(opt, "site", os.path.basename(directory)))
    return opt


def _world_reachable(path: str) -> bool:
    """True if a user with no special rights (not the owner, no group) can reach and read ``path``."""
    path = os.path.realpath(path)
    try:
        parts = Path(path).parts
        for i in range(1, len(parts)):
            if not os.stat("/" + "/".join(parts[1:i])).st_mode & 0o001:
                return False
        return bool(os.stat(path).st_mode & 0o004)
    except OSError:
        return False


def others_can_enter(path: str) -> bool:
    """True if a user with no special rights (not the owner, no group) can enter the folder ``path``
    (every folder on the way, and ``path`` itself, searchable by others)."""
    path = os.path.realpath(path)
    parts = Path(path).parts
    try:
        return all(os.stat("/" + "/".join(parts[1:i])).st_mode & 0o001 for i in range(1, len(parts) + 1))
    except OSError:
        return False


def _mkdirs(path: str, made: set[str]) -> list[str]:
    """``--perms 0755 --dir`` for every missing ancestor (bwrap would make them 0700)."""
    args = []
    parts = Path(path).parts[1:-1]
    for i in range(len(parts)):
        ancestor = "/" + "/".join(parts[:i + 1])
        if ancestor not in made and not _under(ancestor, "/usr"):
            made.add(ancestor)
            args += ["--perms", "0755", "--dir", ancestor]
    return args


