"""Exactly what ships to students: the notebook's ``check`` (selfcheck.py), its nbgrader grade-cell mode
(nbgrader_cell.py), the comparison (compare.py) and the sentences they print (messages.py, glossary.py),
bundled by ``autograder release`` with sandbox/inside's protocol and program into one numpy-only
rnnlab_check.py beside each exercise (authoring/bundle.py)."""
