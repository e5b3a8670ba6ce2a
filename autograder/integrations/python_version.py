"""Owns: the one sentence a Python too old for the pinned requirements gets, before pip runs.

    python autograder/integrations/python_version.py FILE [WHAT TO DO]

FILE holds the bound: pyproject.toml (``requires-python = ">=3.10"``) for `make demo` and
`make test`, requirements/grade.txt (``# requires-python: >=3.10``) for the Gradescope image.
Exits 0 silently when this Python meets it; otherwise prints one sentence naming the version
needed and this interpreter's, and exits 1.  Run by the Python being judged, before anything is
installed: the standard library only, and no syntax newer than Python 3.0 knows.
"""
import os
import re
import sys

BOUND = re.compile(r"requires-python\s*[=:]\s*\"?\s*>=\s*(\d+(?:\.\d+)*)")


def lowest(text):
    """The lowest Python a ``requires-python`` line in ``text`` admits, as a tuple of ints (or None)."""
    found = BOUND.search(text)
    return tuple(int(p) for p in found.group(1).split(".")) if found else None


def dotted(version):
    return ".".join(str(p) for p in version)


def sentence(need, have, executable, source, todo):
    return "RNN Lab needs Python %s or newer (requires-python in %s), but %s is Python %s: %s." % (
        dotted(need), source, executable, dotted(have), todo)


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: python_version.py FILE [WHAT TO DO]\n")
        return 2
    path, todo = argv[1], " ".join(argv[2:]) or "install a newer Python and use it"
    with open(path) as handle:
        need = lowest(handle.read())
    if need is None:
        sys.stderr.write("%s: no 'requires-python >=X.Y' line\n" % path)
        return 2
    have = tuple(sys.version_info[:3])
    if have >= need:
        return 0
    sys.stderr.write(sentence(need, have, sys.executable or "this python", os.path.basename(path), todo) + "\n")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
