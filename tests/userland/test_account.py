"""The ordinary account the tests grade as: not root, this checkout's code, its own Python."""
from __future__ import annotations

import hashlib
import json
import os

from tests.userland.account import ROOT, checkout_files, is_root


def test_the_account_runs_this_checkouts_grader_without_root(ordinary):
    probe = ("import json, os, sys, autograder, numpy; print(json.dumps({'euid': os.geteuid(), "
             "'autograder': autograder.__file__, 'prefix': sys.prefix, 'root': os.access('/root', os.R_OK)}))")
    seen = json.loads(ordinary.run([str(ordinary.python), "-c", probe], cwd=ordinary.course).stdout)
    assert seen["euid"] == ordinary.uid and seen["autograder"].startswith(str(ordinary.course))
    if is_root():
        assert ordinary.via_runuser and seen["euid"] != 0 and not seen["root"]
        assert not seen["prefix"].startswith("/root")


def test_the_accounts_course_is_this_checkout_as_it_is(ordinary):
    names = checkout_files()
    assert "course.yaml" in names and "autograder/cli/__init__.py" in names
    def digest(base):
        return {n: hashlib.sha256((base / n).read_bytes()).hexdigest() for n in names}
    assert digest(ordinary.course) == digest(ROOT)
    if is_root():
        assert all(os.stat(ordinary.course / n).st_uid == ordinary.uid for n in names)
