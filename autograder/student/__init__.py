"""What ships to students: the notebook's ``check`` (selfcheck.py) and its nbgrader grade-cell mode
(nbgrader_cell.py).  ``autograder release`` bundles these, with the comparison, the call programs
and the wording they use, into one numpy-only module beside each exercise (authoring/bundle.py)."""
