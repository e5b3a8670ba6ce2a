"""Other tools' formats and entry points: nbgrader, Gradescope, LMS exports, JUnit, the CI summary, similarity, and merging a sharded run."""
