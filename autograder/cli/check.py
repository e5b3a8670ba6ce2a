"""autograder check NOTEBOOK: check your notebook against the public cases, as check("fn") does.

Runs the code the grader would take from NOTEBOOK (the setup cell and your solution cells)
and compares every graded function's outputs and gradients with the public cases in
public_cases.npz beside the notebook.  Exit status 0 when every checked function passes,
1 when one does not, 2 when the check cannot run.  Your grade comes from hidden cases.

Examples:
  autograder check exercises/rnn/rnn.ipynb
  autograder check exercises/rnn/rnn.ipynb --function rnn_step_forward --lang en
"""
# Developer notes: the code is extracted exactly as the grader does (extract.py), run in a
# fresh namespace, then selfcheck.check runs per function.  Needs no course.yaml and no
# reference code, so it works in the student release.
from __future__ import annotations

import argparse
import builtins
from pathlib import Path

from autograder.engine.errors import UsageError
from autograder.engine.extract import NotebookError, Program, Template, read_notebook
from autograder.engine.messages import LANGUAGES
from autograder.sandbox.inside.program import describe_exception
from autograder.selfcheck import FIXTURE_NAME, check, language, load_fixtures, say

NEEDS_COURSE = False
NAMESPACE_NAME = "__rnnlab_check__"



def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", type=Path, help="the notebook to check (e.g. exercises/rnn/rnn.ipynb)")
    parser.add_argument("--function", action="append", default=None, metavar="NAME",
                        help="check only this function (repeatable; default: every graded function)")
    parser.add_argument("--fixtures", type=Path, default=None,
                        help=f"public cases (default: {FIXTURE_NAME} beside the notebook)")
    parser.add_argument("--lang", choices=LANGUAGES, default=None,
                        help="ko or en (default: $RNNLAB_LANG, else ko)")


def load_namespace(notebook: Path, lang: str) -> tuple[dict | None, Program, str | None]:
    """Run the notebook's graded code (setup + solution cells); return (namespace, program, error line)."""
    try:
        template = Template(notebook)
        program = template.program(read_notebook(notebook))
    except NotebookError as exc:
        raise UsageError(say(exc.code, lang, notebook=notebook.name, detail=exc.detail)) from None
    except Exception as exc:  # nbformat's own errors for a malformed file
        raise UsageError(say("notebook.unreadable", lang, notebook=notebook.name, detail=str(exc)[:300])) from None
    namespace: dict = {"__name__": NAMESPACE_NAME, "__builtins__": builtins}
    try:
        exec(compile(program.code, program.filename, "exec"), namespace)  # noqa: S102 - the user's own notebook
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: B036 - SystemExit & co. in a student's cell end the check, not the shell
        return None, program, say("notebook.load-error", lang, detail=describe_exception(exc))
    return namespace, program, None


def run(args: argparse.Namespace, course=None) -> int:
    lang = language(args.lang)
    notebook: Path = args.notebook
    if not notebook.is_file():
        raise UsageError(f"{notebook}: no such notebook")
    fixtures = args.fixtures or notebook.resolve().parent / FIXTURE_NAME
    try:
        available = list(load_fixtures(fixtures)["functions"])
    except FileNotFoundError:
        raise UsageError(f"{fixtures}: no public cases here (run `autograder release` to make them)") from None
    except Exception as exc:
        raise UsageError(f"{fixtures}: not a public-cases file ({exc})") from None
    names = args.function or available
    unknown = [n for n in names if n not in available]
    if unknown:
        raise UsageError(f"no public cases for {', '.join(unknown)} in {fixtures}; "
                         f"it has: {', '.join(available)}")
    namespace, program, error = load_namespace(notebook, lang)
    if namespace is None:
        print(error)
        return 1
    results = []
    for name in names:
        result = check(name, fixtures, namespace=namespace, lang=lang, quiet=True)
        print("\n".join(result.lines), flush=True)
        results.append(result)
    passed = sum(bool(r) for r in results)
    print(say("check.total", lang, notebook=notebook.name, passed=passed, total=len(results)))
    return 0 if passed == len(results) else 1
