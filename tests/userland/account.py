"""Owns: the ordinary account the tests grade as, and how a command runs under it.

Instructors grade on their own accounts (a laptop, nbgrader's formgrader on JupyterHub, a
Slurm job), never as root.  When the suite runs as root (CI, `make test` on the project's
machines), `ordinary_account()` makes such an account and gives it what an instructor has:

- a login of its own (``useradd``), commands run through ``runuser``;
- a Python it can run: a venv on Debian's ``/usr/bin/python3`` (the pyenv and the repository's
  ``.venv`` may sit under ``/root``, mode 700), with requirements/run.in installed as
  requirements/constraints.txt pins it, built once per requirements hash (root's pip cache);
- its own copy of this checkout (what ``git ls-files`` lists, as it is in the work tree), which
  that venv has installed (``pip install -e``), so ``autograder`` and ``python -m autograder``
  are this work tree's code.

Run by anyone else (a developer's own account), the account is that user and nothing is made.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import pwd
import shutil
import subprocess
import sys
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "rnnlab-tester"
SYSTEM_PYTHON = "/usr/bin/python3"
REQUIREMENTS = ("requirements/run.in", "requirements/constraints.txt")
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"  # util-linux
BLAS_ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True)
class Account:
    login: str
    uid: int
    gid: int
    home: Path
    course: Path  # a copy of the checkout the account can read (the checkout itself when not root)
    python: Path  # an interpreter the account can run, with the project installed
    via_runuser: bool

    @property
    def bin(self) -> Path:
        return self.python.parent

    def argv(self, cmd: list[str]) -> list[str]:
        """``cmd`` as this account runs it."""
        return [RUNUSER, "-u", self.login, "--", *cmd] if self.via_runuser else list(cmd)

    def env(self, **extra: str) -> dict[str, str]:
        """A plain environment of this account: its venv first on PATH, one BLAS thread."""
        env = {"PATH": f"{self.bin}:/usr/local/bin:/usr/bin:/bin", "HOME": str(self.home), "LANG": "C.UTF-8",
               "USER": self.login, "LOGNAME": self.login, "RNNLAB_LANG": os.environ.get("RNNLAB_LANG", "en"),
               **BLAS_ONE_THREAD}
        if not self.via_runuser:
            env = {**os.environ, **env, "HOME": os.environ.get("HOME", str(self.home))}
            env.pop("PYTEST_XDIST_WORKER", None)
        env.update(extra)
        return env

    def run(self, cmd: list[str], cwd: Path, env: dict | None = None, timeout: float = 600,
            check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(self.argv(cmd), cwd=cwd, env=env or self.env(), capture_output=True, text=True,
                              timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(map(str, cmd))} as {self.login} exited {proc.returncode}:\n"
                                 f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        return proc

    def give(self, path: Path) -> Path:
        """Make ``path`` (and everything under it) this account's."""
        if self.via_runuser:
            subprocess.run(["chown", "-R", "-h", f"{self.uid}:{self.gid}", str(path)], check=True)  # -h: a symlink stays what it is, its target untouched
        return path

    @contextmanager
    def busy(self, alone: bool = False):
        """Held while this account grades.  ``alone``: no other test runs as it meanwhile, so every
        process of its uid belongs to this run (the hostile class counts them); else shared."""
        if not self.via_runuser:
            yield
            return
        with open(self.home / ".cache" / "rnnlab-tests" / "busy", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def workdir(self, label: str) -> Path:
        """A new, empty folder the account owns, outside every other test's."""
        base = self.home / "work" if self.via_runuser else Path(os.environ.get("TMPDIR", "/tmp"))
        base.mkdir(parents=True, exist_ok=True)
        if self.via_runuser:
            self.give(base)
        folder = base / f"{label}-{uuid.uuid4().hex[:10]}"
        folder.mkdir()
        return self.give(folder)


def is_root() -> bool:
    return os.geteuid() == 0


# Who grades in the tests that run both ways: as root, the suite grades as root and again as
# the ordinary account; run by anyone else, as that user alone.
GRADERS = ("root", "user") if is_root() else ("user",)


def ordinary_account() -> Account:
    """The account of this process when it is not root; else the test account, made ready (once per run)."""
    if not is_root():
        me = pwd.getpwuid(os.getuid())
        return Account(me.pw_name, me.pw_uid, me.pw_gid, Path(me.pw_dir), ROOT, Path(sys.executable), False)
    entry = _ensure_login()
    home = Path(entry.pw_dir)
    cache = home / ".cache" / "rnnlab-tests"
    cache.mkdir(parents=True, exist_ok=True)
    with _locked(cache / "lock"):
        # one copy and venv per checkout: suites of two work trees may run at once
        key = hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]
        mine = cache / f"checkout-{key}"
        mine.mkdir(exist_ok=True)
        course = home / "checkouts" / key
        run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid{os.getpid()}"
        stamp = mine / "course-run"
        if not (stamp.exists() and stamp.read_text() == run_id and course.is_dir()):
            course.parent.mkdir(exist_ok=True)
            _copy_checkout(course)
            stamp.write_text(run_id)
        python = _venv(mine, course)
        account = Account(LOGIN, entry.pw_uid, entry.pw_gid, home, course, python, True)
        for path in (course, cache):
            account.give(path)
        subprocess.run(["chown", f"{entry.pw_uid}:{entry.pw_gid}", str(home), str(home / ".cache"), str(course.parent)],
                       check=True)
    return account


def _ensure_login() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(LOGIN)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--comment", "RNN Lab test grader",
                        LOGIN], check=True, capture_output=True)
        return pwd.getpwnam(LOGIN)


@contextmanager
def _locked(path: Path):
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def checkout_files() -> list[str]:
    """The files of this checkout as a clone has them: tracked or new, never ignored (.venv, results)."""
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):  # an unpacked archive: everything but the usual debris
        skip = {".git", ".venv", "__pycache__", "results", ".pytest_cache"}
        return [str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
                if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]
    return [name for name in out.decode().split("\0") if name and (ROOT / name).is_file()]


def _copy_checkout(dest: Path) -> None:
    """``dest`` becomes a copy of the work tree's files (modes and mtimes kept), its old content gone."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    names = "\0".join(checkout_files()).encode()
    pack = subprocess.Popen(["tar", "-c", "-f", "-", "-C", str(ROOT), "--null", "--no-recursion", "-T", "-"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    unpack = subprocess.Popen(["tar", "-x", "-f", "-", "-C", str(dest)], stdin=pack.stdout)
    pack.stdout.close()
    pack.communicate(names)
    if pack.wait() != 0 or unpack.wait() != 0:
        raise AssertionError(f"copying the checkout to {dest} failed")


def base_python() -> str:
    """The interpreter the account's venv is made from: Debian's own, if the pins accept it."""
    check = [SYSTEM_PYTHON, str(ROOT / "autograder" / "integrations" / "python_version.py"), str(ROOT / "pyproject.toml")]
    if os.access(SYSTEM_PYTHON, os.X_OK):
        proc = subprocess.run(check, capture_output=True, text=True)
        if proc.returncode == 0:
            return SYSTEM_PYTHON
        raise AssertionError(f"no Python for the ordinary account: {proc.stderr.strip()}")
    raise AssertionError(f"no Python for the ordinary account: {SYSTEM_PYTHON} is missing")


def _venv(cache: Path, course: Path) -> Path:
    """A venv of run.in's pinned packages with ``course`` installed editable; rebuilt when the requirements change."""
    python = base_python()
    version = subprocess.run([python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True,
                             check=True).stdout
    digest = hashlib.sha256(version.encode() + str(course).encode()
                            + b"".join((ROOT / name).read_bytes() for name in REQUIREMENTS)).hexdigest()[:16]
    venv = cache / f"venv-{digest}"
    if not (venv / "ready").exists():
        for old in cache.glob("venv-*"):
            shutil.rmtree(old)
        subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q",
               "-c", str(ROOT / "requirements" / "constraints.txt")]
        for args in (["-r", str(ROOT / "requirements" / "run.in")], ["--no-deps", "-e", str(course)]):
            proc = subprocess.run(pip + args, capture_output=True, text=True, timeout=1200)
            if proc.returncode != 0:
                raise AssertionError(f"the ordinary account's venv ({python}): pip install {' '.join(args)} "
                                     f"failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
        (venv / "ready").write_text(version)
    return venv / "bin" / "python"
