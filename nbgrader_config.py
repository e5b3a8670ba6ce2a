"""nbgrader's view of this repository.

Instructor notebooks live in ``solutions/<assignment>/``; ``nbgrader generate_assignment``
writes the student release to ``exercises/<assignment>/``.  Collected work follows
nbgrader's own ``submitted/<student>/<assignment>/`` layout.
"""

c = get_config()  # noqa: F821  (injected by traitlets when nbgrader loads this file)

c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# Public self-check fixtures travel with the notebooks, and so does an assignment's data/*.txt (langmodel's text).
c.CourseDirectory.include = ["*.ipynb", "*.npz", "*.py", "*.txt"]
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
