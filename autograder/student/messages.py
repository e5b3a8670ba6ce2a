"""Every student-facing sentence, in Korean and English; course.yaml's `language` picks one.

Terms come from glossary.py; a Korean particle after a placeholder is written as a
template (``{function}이(가)``) and filled by :func:`render` after substitution.

Owns the wording only.  Other modules produce a message *code* with parameters; a test
checks that every code has both languages and the same placeholders in each.
"""
from __future__ import annotations

import numbers
import re
import string

from autograder.student.glossary import fill_particles

LANGUAGES = ("ko", "en")
LANG_ENV = "RNNLAB_LANG"  # the language a user asks for in the environment (self-check and CLI alike)

# Parameters may be text the student's code chose (exception messages, dictionary keys, type
# names): every rendered message is bounded whatever they hold (the result format promises it).
MAX_PARAM = 600  # characters of one text parameter (an exception message is at most 500)
MAX_LIST = 8  # entries of a list parameter shown; the rest are counted ("and N more")
MAX_LIST_ENTRY = 80  # characters of each entry shown
MAX_TEXT = 2000  # characters of one rendered message


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def bounded(value):
    """``value`` as a message parameter of bounded size: long text is cut, long lists are
    shown as their first :data:`MAX_LIST` entries and a count of the rest."""
    if isinstance(value, (numbers.Number, Nested)) or value is None:
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        entries = list(value) if not isinstance(value, (set, frozenset)) else sorted(value, key=str)
        shown = [e if isinstance(e, numbers.Number) else _clip(str(e), MAX_LIST_ENTRY) for e in entries[:MAX_LIST]]
        if len(entries) <= MAX_LIST:
            return shown
        return f"{shown!r}"[:-1] + f", … and {len(entries) - MAX_LIST:,} more]"
    return _clip(value if isinstance(value, str) else str(value), MAX_PARAM)

MESSAGES: dict[str, dict[str, str]] = {
    # ---- details the sandbox and its worker write in English (they run without the course's
    #      language): put into the message's language by :func:`render` (see DETAILS)
    "detail.too-large": {
        "en": "the outputs are too large ({size} bytes; the limit is {limit})",
        "ko": "출력이 너무 큽니다 ({size}바이트, 한도 {limit}바이트)",
    },
    "detail.too-large-structure": {
        "en": "the outputs are too large ({size} bytes of structure and keys; the limit is {limit})",
        "ko": "출력이 너무 큽니다 (구조와 키가 {size}바이트, 한도 {limit}바이트)",
    },
    "detail.object-of-type": {
        "en": "an object of type {type}",
        "ko": "{type} 형식의 객체",
    },
    "detail.invalid-reply": {
        "en": "invalid reply from the worker{why}",
        "ko": "샌드박스의 응답을 읽을 수 없습니다{why}",
    },
    "detail.sandbox-slow": {
        "en": "the sandbox did not answer in time; it was killed and will be restarted",
        "ko": "샌드박스가 제시간에 응답하지 않아 종료했고, 다시 시작합니다",
    },
    "detail.sandbox-died": {
        "en": "the sandbox died ({why}){rest}",
        "ko": "샌드박스가 종료되었습니다 ({why}){rest}",
    },
    "detail.reload-failed": {
        "en": "reloading the unit failed: {why}",
        "ko": "실행 단위를 다시 불러오지 못했습니다: {why}",
    },
    # ---- verdicts on one output (compare.py codes, prefixed "verdict.")
    "verdict.ok": {
        "en": "correct on all {cases} cases (largest relative error {error:.1e})",
        "ko": "모든 {cases}개 케이스에서 정답 (최대 상대 오차 {error:.1e})",
    },
    "verdict.value": {
        "en": "relative error {error:.2g} on case {case} ({dims}); allowed {tolerance:.0e}",
        "ko": "케이스 {case} ({dims})에서 상대 오차 {error:.2g} (허용 {tolerance:.0e})",
    },
    "verdict.shape": {
        "en": "wrong shape{path} on case {case} ({dims}): got {got}, expected {expected}",
        "ko": "케이스 {case} ({dims})에서 shape{path}이(가) 틀림: {got} (기대값 {expected})",
    },
    "verdict.dtype": {
        "en": "wrong dtype{path}: got {got}, expected {expected}",
        "ko": "dtype{path}이(가) 틀림: {got} (기대값 {expected})",
    },
    "verdict.nonfinite": {
        "en": "{count} NaN or inf value(s){path} on case {case} ({dims})",
        "ko": "케이스 {case} ({dims})에서 NaN 또는 inf 값 {count}개{path}",
    },
    "verdict.type": {
        "en": "returned a {got}{path} where a {expected} was expected",
        "ko": "{expected}이(가) 와야 할 자리{path}에 {got}을(를) 반환함",
    },
    "verdict.keys": {
        "en": "dictionary keys differ{path}: missing {missing}, unexpected {extra}",
        "ko": "딕셔너리 키가 다름{path}: 빠진 키 {missing}, 불필요한 키 {extra}",
    },
    "verdict.length": {
        "en": "wrong number of entries{path}: got {got}, expected {expected}",
        "ko": "항목 개수가 틀림{path}: {got}개 (기대값 {expected}개)",
    },
    # ---- why a function could not be graded
    "status.missing": {
        "en": "function `{function}` is not defined in the notebook (renamed or deleted?)",
        "ko": "노트북에 `{function}` 함수가 없습니다 (이름을 바꾸었거나 지웠나요?)",
    },
    "status.not-implemented": {
        "en": "`{function}` is not implemented yet (raises NotImplementedError)",
        "ko": "`{function}`이(가) 아직 구현되지 않았습니다 (NotImplementedError)",
    },
    "status.exception": {
        "en": "`{function}` raised an error on case {case} ({dims}): {detail}",
        "ko": "`{function}` 실행 중 케이스 {case} ({dims})에서 오류 발생: {detail}",
    },
    "status.arity": {
        "en": "`{function}` must return {expected}: {detail}",
        "ko": "`{function}`은(는) {expected}을(를) 반환해야 합니다: {detail}",
    },
    "status.timeout": {
        "en": "`{function}` did not finish within {seconds:g} s (infinite loop?)",
        "ko": "`{function}`이(가) {seconds:g}초 안에 끝나지 않았습니다 (무한 루프?)",
    },
    "status.crash": {
        "en": "the process running `{function}` died: {detail}",
        "ko": "`{function}`을(를) 실행하던 프로세스가 종료되었습니다: {detail}",
    },
    "status.invalid-output": {
        "en": "`{function}` returned something that is not numeric data: {detail}",
        "ko": "`{function}`이(가) 숫자 데이터가 아닌 값을 반환했습니다: {detail}",
    },
    "status.submission-timeout": {
        "en": "not graded: the submission used up its {seconds:g} s time limit",
        "ko": "채점되지 않음: 제출물의 제한 시간 {seconds:g}초를 모두 사용했습니다",
    },
    "status.through-forward": {
        "en": "graded through your `{forward}`, which failed: {detail}",
        "ko": "이 함수는 여러분의 `{forward}`을(를) 거쳐 채점되는데, 그 함수가 실패했습니다: {detail}",
    },
    "status.self-consistent": {
        "en": "but it is the exact gradient of your own `{forward}`: {share:g}% of the points",
        "ko": "하지만 여러분이 작성한 `{forward}`의 정확한 기울기입니다: 배점의 {share:g}% 인정",
    },
    "status.mutated": {
        "en": "note: changes its input(s) {args} in place",
        "ko": "참고: 입력 {args}을(를) 새 배열을 만들지 않고 그 자리에서 바꿉니다",
    },
    # ---- root causes (rootcause.py): another function of the notebook fails first
    "rootcause.wrong": {
        "en": "`{function}` fails because `{cause}` is wrong: fix `{cause_function}` first",
        "ko": "`{cause}`이(가) 틀려서 `{function}`도 실패합니다: `{cause_function}`부터 고치세요",
    },
    "rootcause.error": {
        "en": "`{function}` fails because `{cause_function}` does not run correctly: fix `{cause_function}` first",
        "ko": "`{cause_function}`이(가) 제대로 실행되지 않아 `{function}`도 실패합니다: `{cause_function}`부터 고치세요",
    },
    # ---- why a whole notebook could not be graded
    "notebook.missing": {
        "en": "notebook `{notebook}` was not submitted",
        "ko": "노트북 `{notebook}`이(가) 제출되지 않았습니다",
    },
    "notebook.unreadable": {
        "en": "notebook `{notebook}` cannot be read: {detail}",
        "ko": "노트북 `{notebook}`을(를) 읽을 수 없습니다: {detail}",
    },
    "notebook.load-error": {
        "en": "running the notebook's code failed: {detail}",
        "ko": "노트북 코드를 실행하는 중 오류가 발생했습니다: {detail}",
    },
    "notebook.load-timeout": {
        "en": "the notebook's top-level code did not finish within {seconds:g} s",
        "ko": "노트북의 최상위 코드가 {seconds:g}초 안에 끝나지 않았습니다",
    },
    "notebook.load-crash": {
        "en": "the process running the notebook died: {detail}",
        "ko": "노트북을 실행하던 프로세스가 종료되었습니다: {detail}",
    },
    "notebook.source-too-large": {
        "en": "notebook `{notebook}` is not graded: its solution cells hold {size_kb:,} KB of code, "
              "over the course's limit of {limit_kb:,} KB (a huge literal or pasted data?)",
        "ko": "노트북 `{notebook}`은(는) 채점되지 않았습니다: 답안 셀의 코드가 {size_kb:,} KB(으)로 "
              "과목의 제한 {limit_kb:,} KB을(를) 넘습니다 (아주 큰 리터럴이나 붙여 넣은 데이터?)",
    },
    "notebook.sandbox-failed": {
        "en": "the notebook's code could not be run: {detail}",
        "ko": "노트북 코드를 실행할 수 없었습니다: {detail}",
    },
    "status.sandbox-failed": {
        "en": "`{function}` could not be run: {detail}",
        "ko": "`{function}`을(를) 실행할 수 없었습니다: {detail}",
    },
    "status.numerical-gradient": {
        "en": "`{function}` called your forward functions ({forwards}) {calls:,} times on case {case} ({dims}), "
              "where backpropagation needs at most {allowed}: a numerical gradient, not backpropagation",
        "ko": "`{function}`이(가) 케이스 {case} ({dims})에서 순전파 함수({forwards})을(를) {calls:,}번 호출했습니다. "
              "역전파에는 많아야 {allowed}번이면 됩니다: 역전파가 아니라 수치 기울기입니다",
    },
    "status.retry": {
        "en": "the next `autograder grade` run grades it again",
        "ko": "다음 `autograder grade` 실행 때 다시 채점됩니다",
    },
    # ---- feedback page
    "feedback.title": {
        "en": "# {assignment}: {score:g} / {max_score:g} points",
        "ko": "# {assignment}: {score:g} / {max_score:g}점",
    },
    "feedback.student": {"en": "Student: `{student}`", "ko": "학생: `{student}`"},
    "feedback.table-head": {
        "en": "| item | points | result |\n|---|---:|---|",
        "ko": "| 항목 | 점수 | 결과 |\n|---|---:|---|",
    },
    "feedback.errors": {"en": "## Problems with the submission", "ko": "## 제출물의 문제"},
    "feedback.diagnosis": {"en": "## What went wrong", "ko": "## 무엇이 틀렸나"},
    "feedback.hint": {"en": "Hint", "ko": "힌트"},
    "feedback.all-passed": {
        "en": "Every output and every gradient matches the reference. Well done!",
        "ko": "모든 출력과 기울기가 참조 구현과 일치합니다. 잘했습니다!",
    },
    "status.passed": {"en": "passed", "ko": "통과"},
    "status.failed": {"en": "failed", "ko": "실패"},
    "status.error": {"en": "error", "ko": "오류"},
    "status.missing-short": {"en": "missing", "ko": "없음"},
    "status.timeout-short": {"en": "time-out", "ko": "시간 초과"},
    # ---- self-check in the notebook
    "check.pass": {
        "en": "[PASS] {item}: relative error {error:.1e}",
        "ko": "[통과] {item}: 상대 오차 {error:.1e}",
    },
    "check.fail": {"en": "[FAIL] {item}: {detail}", "ko": "[실패] {item}: {detail}"},
    "check.not-implemented": {
        "en": "[TODO] {function}: not implemented yet",
        "ko": "[미구현] {function}: 아직 구현되지 않았습니다",
    },
    "check.error": {"en": "[ERROR] {function}: {detail}", "ko": "[오류] {function}: {detail}"},
    "check.hint-label": {"en": "hint", "ko": "힌트"},
    "check.mistake": {  # a catalogued mistake the public cases recognise, at the hint level
        "en": "this looks like a known mistake: {explanation} Where to look: {hint}",
        "ko": "알려진 실수와 같아 보입니다: {explanation} 살펴볼 곳: {hint}",
    },
    "check.hint.shape": {
        "en": "check the axis order (N, T, D/H/V) and which matrices are transposed "
              "(row vectors: x @ Wx, not Wx @ x).",
        "ko": "축 순서 (N, T, D/H/V)과(와) 전치한 행렬을 확인하세요 "
              "(행 벡터 규약: x @ Wx, Wx @ x이(가) 아님).",
    },
    "check.hint.value": {
        "en": "check the formula against the markdown above, term by term, on a tiny input "
              "you can follow by hand.",
        "ko": "위 설명의 수식과 한 항씩 비교해 보세요. 손으로 따라갈 수 있는 아주 작은 입력으로 확인하면 좋습니다.",
    },
    "check.hint.value-backward": {
        "en": "check every gradient path: a variable used in several places receives the sum of "
              "their gradients (+=), and the local derivative uses the forward's own values.",
        "ko": "모든 기울기 경로를 확인하세요: 여러 곳에서 쓰인 변수는 각 경로의 기울기를 "
              "모두 더해야 하며(+=), 국소 미분은 순전파의 값을 사용합니다.",
    },
    "check.hint.dtype": {
        "en": "return float64 arrays (an integer array silently truncates what you add to it).",
        "ko": "float64 배열을 반환하세요 (정수 배열에 실수를 더하면 소수점 이하가 잘립니다).",
    },
    "check.hint.nonfinite": {
        "en": "NaN/inf usually comes from exp overflow or log(0): subtract the maximum before exp "
              "(numerically stable softmax/sigmoid).",
        "ko": "NaN/inf은(는) 대개 exp 오버플로나 log(0)에서 생깁니다: exp 전에 최댓값을 빼세요 "
              "(수치적으로 안정한 softmax/sigmoid).",
    },
    "check.hint.type": {
        "en": "return exactly what the docstring's Returns lists, in that order.",
        "ko": "docstring의 Returns에 적힌 값을 그 순서대로 정확히 반환하세요.",
    },
    "check.hint.keys": {
        "en": "return a new dict with exactly the keys of the input dict.",
        "ko": "입력 딕셔너리와 정확히 같은 키를 가진 새 딕셔너리를 반환하세요.",
    },
    "check.hint.length": {
        "en": "check how many entries your list has (one per layer / time step?).",
        "ko": "반환한 리스트의 항목 개수를 확인하세요 (층마다 / 시점마다 하나?).",
    },
    "check.missing": {
        "en": "[MISSING] {function}: not defined; run its solution cell first (and keep its name)",
        "ko": "[없음] {function}: 정의되지 않았습니다. 함수 셀을 먼저 실행하세요 (함수 이름은 바꾸지 마세요)",
    },
    "check.no-fixtures": {
        "en": "[ERROR] {function}: there is no {fixture} beside the notebook ({path}): download the "
              "assignment's folder again and open the notebook inside it.",
        "ko": "[오류] {function}: 노트북 옆에 {fixture}이(가) 없습니다 ({path}). 과제 폴더를 다시 내려받아 "
              "그 안에서 노트북을 여세요.",
    },
    "check.fixture-damaged": {
        "en": "[ERROR] {function}: {path} is damaged and cannot be read: download the assignment's folder again.",
        "ko": "[오류] {function}: {path}이(가) 손상되어 읽을 수 없습니다. 과제 폴더를 다시 내려받으세요.",
    },
    "check.fixture-foreign": {
        "en": "[ERROR] {function}: {path} holds the public cases of the assignment '{theirs}', but "
              "{function} belongs to '{ours}': download the '{ours}' folder again.",
        "ko": "[오류] {function}: {path}은(는) '{theirs}' 과제의 공개 케이스인데 {function}은(는) "
              "'{ours}' 과제의 함수입니다. '{ours}' 과제 폴더를 다시 내려받으세요.",
    },
    "check.unknown-function": {
        "en": "[ERROR] {function}: no public cases for this function in {path}; check its name{suggestion}",
        "ko": "[오류] {function}: {path}에 이 함수의 공개 케이스가 없습니다. 함수 이름을 확인하세요{suggestion}",
    },
    "check.not-a-function": {
        "en": "[ERROR] check() takes a function or its name, e.g. check(\"rnn_forward\"), not a {got}",
        "ko": "[오류] `check()`에는 함수나 함수 이름을 넣으세요 (예: `check(\"rnn_forward\")`). 받은 값의 종류: {got}",
    },
    "check.timeout": {
        "en": "stopped after {seconds:g} s, the grader's time limit: look for a loop that never ends",
        "ko": "채점기와 같은 시간 제한 {seconds:g}초 안에 끝나지 않아 멈췄습니다. 끝나지 않는 반복문이 있는지 확인하세요",
    },
    "check.outside-names": {
        "en": "[WARNING] {function} uses {names}, defined outside the solution cells. The grader runs only "
              "the solution cells and the setup cell, so there it would stop with NameError: move the "
              "definition of {names} into a solution cell (a helper's name starting with _).",
        "ko": "[경고] {function}이(가) 솔루션 셀 밖에서 정의된 {names}을(를) 씁니다. 채점기는 솔루션 셀과 "
              "설정 셀만 실행하므로 채점할 때는 이름을 찾지 못해(NameError) 멈춥니다. {names}의 정의를 솔루션 셀 "
              "안으로 옮기세요 (도우미 함수 이름은 밑줄 `_`(으)로 시작).",
    },
    "check.language": {
        "en": "(in Korean, 한국어로: check(\"{function}\", lang=\"ko\"), or RNNLAB_LANG=ko for the whole session)",
        "ko": "(영어로 보려면 `check(\"{function}\", lang=\"en\")`, 세션 전체는 환경 변수 `RNNLAB_LANG=en`)",
    },
    "check.total": {
        "en": "{notebook}: {passed}/{total} functions pass their public cases",
        "ko": "{notebook}: 함수 {total}개 중 {passed}개가 공개 케이스를 통과했습니다",
    },
    "check.through": {
        "en": "{function} is checked through your {forward}: implement that one first",
        "ko": "{function}은(는) 여러분의 {forward}을(를) 거쳐 확인됩니다: 그 함수를 먼저 구현하세요",
    },
    "check.table-head": {  # the per-notebook table of `autograder check --summary` (Markdown)
        "en": "| notebook | pass | unfinished (NotImplementedError) | fail or error |\n|---|---:|---:|---:|",
        "ko": "| 노트북 | 통과 | 미완성 (NotImplementedError) | 실패·오류 |\n|---|---:|---:|---:|",
    },
    "check.summary": {
        "en": "{function}: {passed}/{total} outputs pass the public cases (hidden cases decide the grade)",
        "ko": "{function}: 공개 케이스에서 {passed}/{total}개 출력 통과 (점수는 비공개 케이스로 결정됩니다)",
    },
    # ---- class report (autograder report)
    "report.title": {"en": "{course}: class report", "ko": "{course}: 학급 채점 보고서"},
    "report.overview": {"en": "{students} student(s), {files} result file(s).",
                        "ko": "학생 {students}명, 결과 파일 {files}개."},
    "report.csv-link": {"en": "Pass rate of every item as CSV", "ko": "항목별 통과율 (CSV)"},
    "report.assignments": {"en": "Assignments", "ko": "과제"},
    "report.assignment-stats": {
        "en": "{students} student(s) · mean {mean:.2f} / {max_score:g} · min {low:g} · max {high:g} · "
              "full marks {full}",
        "ko": "학생 {students}명 · 평균 {mean:.2f} / {max_score:g}점 · 최저 {low:g} · 최고 {high:g} · "
              "만점 {full}명",
    },
    "report.histogram-alt": {"en": "Score distribution of {assignment}", "ko": "{assignment} 점수 분포"},
    "report.items-alt": {"en": "Result of every item of {assignment}", "ko": "{assignment} 항목별 결과"},
    "report.items-caption": {
        "en": "Share of students per result for each item; the pass rate is written at the end of each bar.",
        "ko": "항목마다 결과별 학생 비율입니다. 막대 끝의 숫자가 통과율입니다.",
    },
    "report.histogram-caption": {
        "en": "Number of students per score; the dashed line is the mean.",
        "ko": "점수별 학생 수입니다. 점선은 평균입니다.",
    },
    "report.col-item": {"en": "item", "ko": "항목"},
    "report.col-points": {"en": "points", "ko": "배점"},
    "report.col-students": {"en": "students", "ko": "학생 수"},
    "report.col-pass-rate": {"en": "pass rate", "ko": "통과율"},
    "report.col-top-diagnosis": {"en": "most common mistake", "ko": "가장 흔한 실수"},
    "report.col-rank": {"en": "#", "ko": "순위"},
    "report.col-mistake": {"en": "mistake", "ko": "실수"},
    "report.col-explanation": {"en": "explanation", "ko": "설명"},
    "report.col-count": {"en": "occurrences", "ko": "발생 횟수"},
    "report.col-items": {"en": "items", "ko": "항목"},
    "report.col-student": {"en": "student", "ko": "학생"},
    "report.col-total": {"en": "total", "ko": "합계"},
    "report.top-diagnoses": {"en": "Most common mistakes", "ko": "가장 흔한 실수"},
    "report.top-diagnoses-of": {"en": "Most common mistakes in {assignment}", "ko": "{assignment}에서 가장 흔한 실수"},
    "report.no-diagnoses": {"en": "No recognised mistakes.", "ko": "알려진 실수 유형이 발견되지 않았습니다."},
    "report.no-explanation": {"en": "(no explanation in the catalogue)", "ko": "(설명이 등록되지 않은 실수 유형)"},
    "report.students": {"en": "Students", "ko": "학생별 피드백"},
    "report.not-submitted": {"en": "–", "ko": "–"},
    "report.back": {"en": "Class report", "ko": "학급 보고서로"},
    "report.student-title": {"en": "Feedback for {student}", "ko": "{student} 학생 피드백"},
    "report.score": {"en": "{score:g} / {max_score:g} points", "ko": "{score:g} / {max_score:g}점"},
    "report.col-result": {"en": "result", "ko": "결과"},
    "report.col-message": {"en": "details", "ko": "상세"},
    "report.errors": {"en": "Problems with the submission", "ko": "제출물의 문제"},
    "report.what-went-wrong": {"en": "What went wrong", "ko": "무엇이 틀렸나"},
    "report.hint": {"en": "Hint", "ko": "힌트"},
    "report.profile-alt": {"en": "{item} per time step: your norms against the reference's",
                           "ko": "{item}의 시점별 크기: 여러분의 값과 참조 구현 비교"},
    "report.profile-caption": {
        "en": "Top: the norm of your output at each time step t (orange, dashed; “yours”) against the "
              "reference’s (blue), on a log scale. Bottom: the relative error at each step. Steps where "
              "the two curves part show where in time the computation goes wrong — e.g. correct only at "
              "the last steps means the gradient is not carried back through time.",
        "ko": "위: 각 시점 t에서 여러분 출력의 크기(주황 점선, “yours”)과(와) 참조 구현의 크기(파랑, "
              "“reference”)을(를) 로그 스케일로 비교합니다. 아래: 각 시점의 상대 오차입니다. 두 곡선이 "
              "갈라지는 시점이 계산이 틀리기 시작하는 시점입니다. 예를 들어 마지막 몇 시점에서만 맞는다면 "
              "기울기가 시간을 거슬러 전달되지 않고 있다는 뜻입니다.",
    },
    "report.all-passed": {"en": "Every output and every gradient matches the reference. Well done!",
                          "ko": "모든 출력과 기울기가 참조 구현과 일치합니다. 잘했습니다!"},
    "report.status-other": {"en": "other", "ko": "기타"},
    # ---- the command's own lines (autograder VERB), for course staff: errors that end it
    #      (``usage.*``, raised as UsageError(code, ...)), the course file's problems
    #      (``course.*``) and the verbs' status lines (``cli.*``), in the language the command
    #      speaks and shown whole (grading/terminal.py).  They name flags, files and commands.
    # -- the course file
    "cli.course-not-found": {"en": "course.yaml not found", "ko": "course.yaml을(를) 찾을 수 없습니다"},
    "cli.course-invalid": {"en": "invalid course file", "ko": "과목 파일(course.yaml)이(가) 올바르지 않습니다"},
    "course.not-here": {
        "en": "{path}: no course.yaml here or in a parent folder; fix: run the command inside the course folder, "
              "or pass --course PATH",
        "ko": "{path}: 이 폴더에도 상위 폴더에도 course.yaml이(가) 없습니다. 고치려면: 과목 폴더 안에서 명령을 "
              "실행하거나 --course PATH을(를) 주세요",
    },
    "course.no-such-file": {
        "en": "{path}: no such file; fix: pass --course PATH to an existing course.yaml, or run the command inside "
              "the course folder",
        "ko": "{path}: 파일이 없습니다. 고치려면: 있는 course.yaml을(를) --course PATH(으)로 주거나, 과목 폴더 안에서 "
              "명령을 실행하세요",
    },
    "course.unreadable": {
        "en": "{path}: cannot read the course file ({detail}); fix: pass --course PATH to an existing course.yaml",
        "ko": "{path}: 과목 파일을 읽을 수 없습니다 ({detail}). 고치려면: 있는 course.yaml을(를) --course PATH(으)로 주세요",
    },
    "course.not-utf8": {
        "en": "{path}: not UTF-8 ({detail}); fix: save the file as UTF-8",
        "ko": "{path}: UTF-8이(가) 아닙니다 ({detail}). 고치려면: 파일을 UTF-8(으)로 저장하세요",
    },
    "course.yaml-syntax": {
        "en": "{path}:{line}: YAML syntax error: {detail}; fix: check indentation and quoting on that line",
        "ko": "{path}:{line}: YAML 문법 오류: {detail}. 고치려면: 그 줄의 들여쓰기와 따옴표를 확인하세요",
    },
    "course.not-mapping": {
        "en": "{path}:1: the course file must be a YAML mapping; fix: start from the course.yaml shipped with RNN Lab",
        "ko": "{path}:1: 과목 파일은 YAML 매핑이어야 합니다. 고치려면: RNN Lab에 들어 있는 course.yaml에서 시작하세요",
    },
    # -- every verb
    "usage.disk-full": {
        "en": "{folder}: the disk is full ({strerror}); everything written so far is complete and no temporary "
              "file is left: free some space (see `df -h {folder}`), then run the same command again",
        "ko": "{folder}: 디스크가 가득 찼습니다 ({strerror}). 지금까지 쓴 파일은 모두 온전하고 임시 파일은 남지 "
              "않았습니다: 공간을 비운 뒤(`df -h {folder}` 참고) 같은 명령을 다시 실행하세요",
    },
    "usage.disk-full-resumes": {
        "en": "{folder}: the disk is full ({strerror}); everything written so far is complete and no temporary "
              "file is left: free some space (see `df -h {folder}`), then run the same command again: it grades "
              "only what is missing",
        "ko": "{folder}: 디스크가 가득 찼습니다 ({strerror}). 지금까지 쓴 파일은 모두 온전하고 임시 파일은 남지 "
              "않았습니다: 공간을 비운 뒤(`df -h {folder}` 참고) 같은 명령을 다시 실행하세요. 빠진 것만 채점합니다",
    },
    "usage.os-error": {"en": "{path}: {detail}", "ko": "{path}: {detail} (운영 체제의 오류)"},
    "usage.unknown-assignment": {
        "en": "unknown assignment {unknown}; course.yaml has {known}",
        "ko": "없는 과제 {unknown}: course.yaml의 과제는 {known}입니다",
    },
    "usage.sandbox-unavailable": {"en": "{detail}", "ko": "샌드박스를 쓸 수 없습니다: {detail}"},
    # ---- why no sandbox can run here and what to do (sandbox/probe.py's Words, said by grading/terminal.py)
    "sandbox.unavailable": {
        "en": "Student code runs only inside a sandbox, which is unavailable: {reason}. {advice} "
              "Only for code you trust: --no-sandbox runs student code without any isolation.",
        "ko": "학생의 코드는 샌드박스 안에서만 실행됩니다. {reason}. {advice} "
              "믿을 수 있는 코드에만: `--no-sandbox`은(는) 학생의 코드를 아무 격리 없이 실행합니다.",
    },
    "sandbox.unavailable-why": {
        "en": "Student code runs only inside a sandbox, which is unavailable: {reason}.",
        "ko": "학생의 코드는 샌드박스 안에서만 실행됩니다. {reason}.",
    },
    "sandbox.failed-to-start": {"en": "it failed to start", "ko": "샌드박스가 시작되지 않았습니다"},
    "sandbox.check-bwrap": {
        "en": "Check that `bwrap --unshare-all --ro-bind / / true` runs here.",
        "ko": "여기서 `bwrap --unshare-all --ro-bind / / true`이(가) 실행되는지 확인하세요.",
    },
    "sandbox.no-bwrap": {
        "en": "bubblewrap (bwrap) is not installed",
        "ko": "샌드박스 도구 `bubblewrap`(`bwrap`)이(가) 설치되어 있지 않습니다",
    },
    "sandbox.install-bwrap": {
        "en": "Install it with `sudo apt-get install bubblewrap` (Debian/Ubuntu; `make sandbox-tools` does it).",
        "ko": "`sudo apt-get install bubblewrap`(으)로 설치하세요 (데비안/우분투. `make sandbox-tools`도 설치합니다).",
    },
    "sandbox.install-bwrap-user": {
        "en": "{install} Root is not needed where the kernel lets ordinary users create user namespaces "
              "(Debian, Fedora, most HPC distributions do).",
        "ko": "{install} 커널이 일반 사용자에게 사용자 네임스페이스를 허용하는 곳(데비안, 페도라, 대부분의 HPC 배포판)에서는 "
              "루트 권한이 필요 없습니다.",
    },
    "sandbox.no-setpriv": {
        "en": "setpriv (util-linux) is not installed in /usr",
        "ko": "`/usr`에 `setpriv`(`util-linux`)이(가) 설치되어 있지 않습니다",
    },
    "sandbox.install-util-linux": {
        "en": "Install util-linux (`sudo apt-get install util-linux`).",
        "ko": "`util-linux`을(를) 설치하세요 (`sudo apt-get install util-linux`).",
    },
    "sandbox.class-open-to-others": {
        "en": "this host forbids namespaces, so student code runs in the uid+rlimits fallback, where it can read "
              "whatever every user can: {folder} is open to other users, so one student's code could read "
              "classmates' notebooks or results.  Close it to all but root (chmod 700 {folder}), or grade one "
              "submission per container (as on Gradescope)",
        "ko": "이 호스트는 네임스페이스를 허용하지 않으므로 학생 코드는 `uid+rlimits` 대체 방식으로 실행되고, 모든 사용자가 읽을 "
              "수 있는 것은 무엇이든 읽을 수 있습니다: {folder}이(가) 다른 사용자에게 열려 있어 한 학생의 코드가 같은 반 학생의 "
              "노트북이나 결과를 읽을 수 있습니다.  루트만 들어갈 수 있게 닫거나(`chmod 700 {folder}`), 컨테이너 하나에서 "
              "제출물 하나만 채점하세요 (`Gradescope`처럼)",
    },
    "sandbox.namespaces-uid-fallback": {
        "en": "bubblewrap is installed, but this host does not let it create namespaces (a container without "
              "CAP_SYS_ADMIN, Docker's default seccomp profile, or namespaces disabled). There the grader, run as "
              "root, falls back to an unprivileged uid with rlimits (isolation uid+rlimits) when the Python runtime "
              "is readable by every user and the course by root only.",
        "ko": "`bubblewrap`은(는) 설치되어 있지만 이 호스트에서는 네임스페이스를 만들 수 없습니다 (`CAP_SYS_ADMIN` 권한이 없는 "
              "컨테이너, 도커의 기본 `seccomp` 프로필, 또는 네임스페이스를 끈 커널). 이때 루트로 실행한 채점기는, 파이썬 "
              "런타임을 모든 사용자가 읽을 수 있고 과목은 루트만 읽을 수 있으면, 권한 없는 `uid`와(과) `rlimit`(으)로 "
              "격리합니다 (격리 방식 `uid+rlimits`).",
    },
    "sandbox.bwrap-cannot-run": {"en": "bwrap cannot run: {error}", "ko": "`bwrap`을(를) 실행할 수 없습니다: {error}"},
    "sandbox.bwrap-no-namespaces": {
        "en": "bwrap is installed but cannot create its namespaces: {error}",
        "ko": "`bwrap`은(는) 설치되어 있지만 네임스페이스를 만들 수 없습니다: {error}",
    },
    "sandbox.userns-refused": {
        "en": "this process is not root, and the host does not let an ordinary user create user namespaces: {error}",
        "ko": "이 프로세스는 루트가 아니고, 이 호스트에서는 일반 사용자가 사용자 네임스페이스를 만들 수 없습니다: {error}",
    },
    "sandbox.userns-refused-by": {
        "en": "this process is not root, and the host does not let an ordinary user create user namespaces "
              "({settings}): {error}",
        "ko": "이 프로세스는 루트가 아니고, 이 호스트에서는 일반 사용자가 사용자 네임스페이스를 만들 수 없습니다 "
              "({settings}): {error}",
    },
    "sandbox.userns-fixes": {
        "en": "Any one of these makes the sandbox work: {fixes}.",
        "ko": "다음 중 하나만 하면 샌드박스가 동작합니다: {fixes}.",
    },
    "sandbox.fix-max-userns": {
        "en": "allow them: `sudo sysctl -w user.max_user_namespaces=16384` (and the same line in /etc/sysctl.d/ "
              "to keep it)",
        "ko": "사용자 네임스페이스를 허용하세요: `sudo sysctl -w user.max_user_namespaces=16384` (계속 유지하려면 같은 줄을 "
              "`/etc/sysctl.d/`에도)",
    },
    "sandbox.fix-userns-clone": {
        "en": "allow them: `sudo sysctl -w kernel.unprivileged_userns_clone=1` (and in /etc/sysctl.d/)",
        "ko": "사용자 네임스페이스를 허용하세요: `sudo sysctl -w kernel.unprivileged_userns_clone=1` (`/etc/sysctl.d/`에도)",
    },
    "sandbox.fix-apparmor": {
        "en": "on Ubuntu 24.04 and later (AppArmor), give bwrap a profile that allows user namespaces: "
              "/etc/apparmor.d/bwrap holding `abi <abi/4.0>, include <tunables/global> profile bwrap "
              "/usr/bin/bwrap flags=(unconfined) {{ userns, }}`, then `sudo apparmor_parser -r "
              "/etc/apparmor.d/bwrap` (or, for the whole host, `sudo sysctl -w "
              "kernel.apparmor_restrict_unprivileged_userns=0`)",
        "ko": "우분투 24.04 이상(AppArmor)에서는 `bwrap`에 사용자 네임스페이스를 허용하는 프로필을 주세요: "
              "`/etc/apparmor.d/bwrap`에 `abi <abi/4.0>, include <tunables/global> profile bwrap "
              "/usr/bin/bwrap flags=(unconfined) {{ userns, }}`을(를) 쓰고 `sudo apparmor_parser -r "
              "/etc/apparmor.d/bwrap` (호스트 전체라면 `sudo sysctl -w "
              "kernel.apparmor_restrict_unprivileged_userns=0`)",
    },
    "sandbox.fix-root": {
        "en": "or run the grader as root (sudo, CI, a container), where bwrap needs no user namespace",
        "ko": "또는 채점기를 루트로 실행하세요 (`sudo`, CI, 컨테이너). 그러면 `bwrap`에 사용자 네임스페이스가 필요 없습니다",
    },
    "sandbox.did-not-start": {
        "en": "the sandbox did not start ({error}){stderr}",
        "ko": "샌드박스가 시작되지 않았습니다 ({error}){stderr}",
    },
    "sandbox.args-too-long": {"en": "bwrap argument list too long", "ko": "`bwrap`의 명령행 인수 목록이 너무 깁니다"},
    "sandbox.python-interpreter": {"en": "the Python interpreter", "ko": "파이썬 인터프리터"},
    "sandbox.python-runtime": {"en": "the Python runtime", "ko": "파이썬 런타임"},
    "sandbox.uid-runtime-unreadable": {
        "en": "bwrap cannot create namespaces here, and the unprivileged-uid fallback cannot run {what} at {path} "
              "(not readable by other users)",
        "ko": "여기서는 `bwrap`이(가) 네임스페이스를 만들 수 없고, 권한 없는 `uid`(으)로 격리하는 대체 방식은 {path}의 "
              "{what}을(를) 실행할 수 없습니다 (다른 사용자가 읽을 수 없음)",
    },
    "sandbox.uid-course-readable": {
        "en": "bwrap cannot create namespaces here, and with the unprivileged-uid fallback student code could read "
              "{secret}: make the course readable by root only (chmod 700 {root}; `autograder gradescope --run` "
              "does it)",
        "ko": "여기서는 `bwrap`이(가) 네임스페이스를 만들 수 없고, 권한 없는 `uid`(으)로 격리하는 대체 방식에서는 학생의 "
              "코드가 {secret}을(를) 읽을 수 있습니다: 과목을 루트만 읽을 수 있게 하세요 (`chmod 700 {root}`. "
              "`autograder gradescope --run`이(가) 해 줍니다)",
    },
    "sandbox.refuse-bind-runtime": {
        "en": "refusing to bind the Python runtime {path} into the sandbox (it would expose the course or the host); "
              "install Python outside the course directory",
        "ko": "파이썬 런타임 {path}을(를) 샌드박스에 연결하지 않습니다 (과목이나 호스트가 드러납니다). 파이썬을 과목 폴더 "
              "밖에 설치하세요",
    },
    "sandbox.no-numpy": {"en": "numpy is not installed", "ko": "numpy이(가) 설치되어 있지 않습니다"},
    "sandbox.no-uid-lock-dir": {
        "en": "no writable folder for the sandbox uid locks ({folders})",
        "ko": "샌드박스 `uid`의 잠금 파일을 쓸 수 있는 폴더가 없습니다 ({folders})",
    },
    "sandbox.uids-in-use": {"en": "every sandbox uid is in use", "ko": "샌드박스 `uid`이(가) 모두 사용 중입니다"},
    "usage.no-such-folder": {"en": "{path}: no such folder", "ko": "{path}: 폴더가 없습니다"},
    "usage.no-results-folder": {"en": "{path}: no such results folder", "ko": "{path}: 결과 폴더가 없습니다"},
    "usage.no-result-files": {
        "en": "{path}: no result files (expected RESULTS/<student>/<assignment>.json from `autograder grade`)",
        "ko": "{path}: 결과 파일이 없습니다 (`autograder grade`이(가) 쓰는 RESULTS/<학생>/<과제>.json이(가) 있어야 합니다)",
    },
    "usage.secret-unreadable": {
        "en": "{path}: cannot read the grading secret ({detail})",
        "ko": "{path}: 채점 비밀 키를 읽을 수 없습니다 ({detail})",
    },
    # -- grade
    "usage.no-submitted-folder": {
        "en": "{path}: no such folder (expected SUBMITTED/<student>/<assignment>/<notebook>.ipynb)",
        "ko": "{path}: 폴더가 없습니다 (SUBMITTED/<학생>/<과제>/<노트북>.ipynb 구조여야 합니다)",
    },
    "usage.jobs": {"en": "--jobs must be at least 1", "ko": "--jobs은(는) 1 이상이어야 합니다"},
    "usage.no-submissions": {
        "en": "{path}: no submissions for any assignment of {course}",
        "ko": "{path}: {course}의 어느 과제에도 제출물이 없습니다",
    },
    "usage.out-is-file": {
        "en": "--out {path}: is a file, not a folder; give the results folder (it is created if needed), "
              "e.g. --out results",
        "ko": "--out {path}: 폴더가 아니라 파일입니다. 결과 폴더를 주세요 (없으면 만듭니다). 예: --out results",
    },
    "usage.out-below-file": {
        "en": "--out {path}: a file is in the way of this folder; give the results folder (it is created if "
              "needed), e.g. --out results",
        "ko": "--out {path}: 이 폴더가 들어설 경로에 파일이 있습니다. 결과 폴더를 주세요 (없으면 만듭니다). "
              "예: --out results",
    },
    "usage.cannot-grade-here": {
        "en": "cannot grade {count} students here: {problem}",
        "ko": "여기서는 학생 {count}명을 채점할 수 없습니다: {problem}",
    },
    "usage.course-problems": {
        "en": "cannot grade: `autograder validate` names what to fix\n{problems}",
        "ko": "채점할 수 없습니다. 고칠 곳은 `autograder validate`이(가) 알려 줍니다\n{problems}",
    },
    "usage.reference-not-package": {
        "en": "{path}: the reference is not a package (no __init__.py)",
        "ko": "{path}: 참조 구현이 패키지가 아닙니다 (__init__.py 없음)",
    },
    "cli.grading-shard": {"en": "grading shard {shard} ({where})", "ko": "샤드 {shard} 채점 ({where})"},
    "cli.refused-folder": {
        "en": "refusing the student folder '{name}' in {submitted}: {problem}; rename the folder to the student's id",
        "ko": "{submitted}의 학생 폴더 '{name}'을(를) 채점하지 않습니다: {problem}. 폴더 이름을 학생 id(으)로 바꾸세요",
    },
    "cli.refused-count": {
        "en": "{count} student folder(s) were refused and not graded (see above)",
        "ko": "학생 폴더 {count}개를 받지 않아 채점하지 않았습니다 (위 참고)",
    },
    # -- grade --shard
    "usage.shard-not-number": {
        "en": "--shard auto: ${name}={value!r} is not a whole number",
        "ko": "--shard auto: ${name}={value!r}은(는) 정수가 아닙니다",
    },
    "usage.shard-slurm-partial": {
        "en": "--shard auto: $SLURM_ARRAY_TASK_ID is set but not ${missing}; run the grader as a task of an "
              "sbatch --array job, or give --shard K/N",
        "ko": "--shard auto: $SLURM_ARRAY_TASK_ID은(는) 있는데 ${missing}이(가) 없습니다. sbatch --array 작업의 "
              "태스크로 실행하거나 --shard K/N을(를) 주세요",
    },
    "usage.shard-slurm-list": {
        "en": "--shard auto: this Slurm array ({count} tasks from {first} to {last}{step}) is a list, not one evenly "
              "spaced range, so its tasks cannot tell which shard they are; nothing was graded. Submit it as "
              "--array=1-{count} (or give each task --shard K/N)",
        "ko": "--shard auto: 이 Slurm 배열({first}부터 {last}까지 태스크 {count}개{step})은(는) 고르게 띄운 하나의 "
              "범위가 아니라 목록이라서 태스크가 자기 샤드를 알 수 없습니다. 아무것도 채점하지 않았습니다. "
              "--array=1-{count} 형식으로 제출하세요 (또는 태스크마다 --shard K/N을(를) 주세요)",
    },
    "usage.shard-step": {"en": ", step {step}", "ko": ", 간격 {step}"},
    "usage.shard-slurm-outside": {
        "en": "--shard auto: Slurm array task {task} is not in the array {first}-{last}{step}; nothing was graded",
        "ko": "--shard auto: Slurm 배열 태스크 {task}이(가) 배열 {first}-{last}{step}에 없습니다. 아무것도 채점하지 "
              "않았습니다",
    },
    "usage.shard-k8s-count": {
        "en": "--shard auto: $JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but not ${var}; set it to the "
              "Job's completions (docs/ECOSYSTEM.md)",
        "ko": "--shard auto: $JOB_COMPLETION_INDEX이(가) 있는데(Kubernetes Indexed Job) ${var}이(가) 없습니다. "
              "Job의 completions 값으로 설정하세요 (docs/ECOSYSTEM.md)",
    },
    "usage.shard-k8s-index": {
        "en": "--shard auto: completion index {index} is not below ${var}={count}; set ${var} to the Job's "
              ".spec.completions",
        "ko": "--shard auto: completion index {index}이(가) ${var}={count}보다 작지 않습니다. ${var}을(를) Job의 "
              ".spec.completions 값으로 설정하세요",
    },
    "usage.shard-auto-none": {
        "en": "--shard auto: no Slurm job array ($SLURM_ARRAY_TASK_ID) and no Kubernetes Indexed Job "
              "($JOB_COMPLETION_INDEX with ${var}) here; give --shard K/N instead",
        "ko": "--shard auto: 여기는 Slurm 작업 배열($SLURM_ARRAY_TASK_ID)도 Kubernetes Indexed Job"
              "($JOB_COMPLETION_INDEX과(와) ${var})도 아닙니다. 대신 --shard K/N을(를) 주세요",
    },
    "usage.shard-spec": {
        "en": "--shard {spec!r}: expected K/N, e.g. --shard 2/4 for the second of four shards",
        "ko": "--shard {spec!r}: K/N 형식이어야 합니다. 예: 샤드 네 개 중 두 번째는 --shard 2/4",
    },
    "usage.shard-n": {
        "en": "--shard {spec}: the number of shards N must be at least 1",
        "ko": "--shard {spec}: 샤드 수 N은(는) 1 이상이어야 합니다",
    },
    "usage.shard-k": {
        "en": "--shard {spec}: K must be between 1 and {n} (shards are numbered from 1)",
        "ko": "--shard {spec}: K은(는) 1에서 {n} 사이여야 합니다 (샤드 번호는 1부터)",
    },
    # -- merge
    "usage.result-unreadable": {
        "en": "{path}: not a readable result file; regrade that shard (or remove the file)",
        "ko": "{path}: 읽을 수 있는 결과 파일이 아닙니다. 그 샤드를 다시 채점하세요 (또는 파일을 지우세요)",
    },
    "usage.result-misplaced": {
        "en": "{path}: holds the result of {holds}, not of {expected}; the folder was edited by hand",
        "ko": "{path}: {expected}이(가) 아니라 {holds}의 결과가 들어 있습니다. 누군가 폴더를 손으로 고쳤습니다",
    },
    "usage.result-not-utf8": {
        "en": "{path}: not UTF-8; result files are written by `autograder grade`",
        "ko": "{path}: UTF-8이(가) 아닙니다. 결과 파일은 `autograder grade`이(가) 씁니다",
    },
    "usage.shards-conflict": {
        "en": "the same student and assignment was graded differently in two shards; nothing was merged. Regrade "
              "with one --shard spec and one secret for all shards, or remove the stale folder:\n{conflicts}",
        "ko": "같은 학생과 과제가 두 샤드에서 다르게 채점되었습니다. 아무것도 합치지 않았습니다. 모든 샤드를 같은 "
              "--shard 지정과 같은 비밀 키로 다시 채점하거나, 오래된 폴더를 지우세요:\n{conflicts}",
    },
    "usage.shard-changed": {
        "en": "{path}: changed while the shards were being merged; merge again",
        "ko": "{path}: 샤드를 합치는 동안 바뀌었습니다. 다시 합치세요",
    },
    "usage.shards-incomplete": {
        "en": "these folders are not the complete shards of one run; nothing was merged:\n{problems}\nGrade the "
              "missing shard(s), remove the stray folder(s), or pass --allow-partial",
        "ko": "이 폴더들은 한 번의 실행에서 나온 샤드 전체가 아닙니다. 아무것도 합치지 않았습니다:\n{problems}\n"
              "빠진 샤드를 채점하거나, 잘못 섞인 폴더를 지우거나, --allow-partial을(를) 주세요",
    },
    "cli.shard-no-record": {
        "en": "{path}: no shard record ({manifest}); it is not the --out folder of a finished "
              "`autograder grade --shard K/N` (regrade that shard: finished students are kept)",
        "ko": "{path}: 샤드 기록({manifest})이(가) 없습니다. 끝까지 마친 `autograder grade --shard K/N`의 --out 폴더가 "
              "아닙니다 (그 샤드를 다시 채점하세요: 다 채점한 학생은 그대로 둡니다)",
    },
    "cli.shard-other-run": {"en": "{folders}: from another run than {main} ({why})",
                            "ko": "{folders}: {main}과(와) 다른 실행에서 나왔습니다 ({why})"},
    "cli.shard-other-count": {"en": "{other} shards, not {n}", "ko": "샤드가 {n}개가 아니라 {other}개"},
    "cli.shard-other-class": {"en": "another class, course or grading secret", "ko": "다른 학급, 과목 또는 채점 비밀 키"},
    "cli.shard-twice": {"en": "shard {k}/{n} is given {times} times: {folders}",
                        "ko": "샤드 {k}/{n}이(가) {times}번 주어졌습니다: {folders}"},
    "cli.shard-missing": {"en": "shard {k}/{n} is missing: its {count} student(s) would have no results{names}",
                          "ko": "샤드 {k}/{n}이(가) 없습니다: 그 샤드의 학생 {count}명은 결과가 없게 됩니다{names}"},
    "cli.partial-warning": {"en": "WARNING (--allow-partial): {problem}", "ko": "경고 (--allow-partial): {problem}"},
    "cli.merged": {"en": "merged {folders} folder(s): {rows} result(s){partial}",
                   "ko": "폴더 {folders}개를 합쳤습니다: 결과 {rows}개{partial}"},
    "cli.merged-partial": {"en": "; PARTIAL: {count} problem(s) overridden, see above",
                           "ko": "; 일부만 합침: 문제 {count}개를 무시했습니다 (위 참고)"},
    # -- release, check, validate
    "usage.nbgrader-did-not-run": {
        "en": "nbgrader generate_assignment {assignment} did not run ({detail}); {out} is unchanged",
        "ko": "nbgrader generate_assignment {assignment}을(를) 실행하지 못했습니다 ({detail}). {out}은(는) 그대로입니다",
    },
    "usage.nbgrader-failed": {
        "en": "nbgrader generate_assignment {assignment} failed; {out} is unchanged.{fix}\nnbgrader said:\n{output}",
        "ko": "nbgrader generate_assignment {assignment}이(가) 실패했습니다. {out}은(는) 그대로입니다.{fix}\n"
              "nbgrader의 출력:\n{output}",
    },
    "usage.nbgrader-wrote-nothing": {
        "en": "nbgrader generate_assignment {assignment} wrote nothing; {out} is unchanged.{fix}\nnbgrader said:\n"
              "{output}",
        "ko": "nbgrader generate_assignment {assignment}이(가) 아무것도 쓰지 않았습니다. {out}은(는) 그대로입니다."
              "{fix}\nnbgrader의 출력:\n{output}",
    },
    "usage.fix": {"en": "\nfix: {hint}", "ko": "\n고치려면: {hint}"},
    "usage.no-such-notebook": {"en": "{path}: no such notebook", "ko": "{path}: 노트북이 없습니다"},
    "usage.no-solutions": {
        "en": "{path}: no solutions notebook of any assignment",
        "ko": "{path}: 어느 과제의 솔루션 노트북도 없습니다",
    },
    "usage.no-public-cases-computed": {
        "en": "cannot compute the public cases:\n{problems}",
        "ko": "공개 케이스를 계산할 수 없습니다:\n{problems}",
    },
    "usage.not-course-notebook": {
        "en": "{notebook}: not a notebook of the course {course} (name it as course.yaml does, or put it in a folder "
              "named after its assignment; --course picks another course)",
        "ko": "{notebook}: 과목 {course}의 노트북이 아닙니다 (course.yaml에 적힌 이름으로 짓거나 과제 이름의 폴더에 "
              "넣으세요. 다른 과목은 --course(으)로 고릅니다)",
    },
    "usage.no-template": {
        "en": "{path}: the course has no notebook for {assignment}, so its setup cells are unknown",
        "ko": "{path}: 과목에 {assignment}의 노트북이 없어 설정 셀을 알 수 없습니다",
    },
    "usage.no-fixtures": {
        "en": "{path}: no public cases here (run `autograder release` to make them)",
        "ko": "{path}: 공개 케이스가 없습니다 (`autograder release`이(가) 만듭니다)",
    },
    "usage.bad-fixtures": {
        "en": "{path}: not a public-cases file ({detail})",
        "ko": "{path}: 공개 케이스 파일이 아닙니다 ({detail})",
    },
    "usage.check-unknown-function": {
        "en": "no public cases for {functions} in {where}; it has: {available}",
        "ko": "{where}에 {functions}의 공개 케이스가 없습니다. 있는 함수: {available}",
    },
    "usage.these-notebooks-cases": {"en": "the public cases of these notebooks", "ko": "이 노트북들의 공개 케이스"},
    "usage.invalid-course": {"en": "invalid course file\n{problems}",
                             "ko": "과목 파일(course.yaml)이(가) 올바르지 않습니다\n{problems}"},
    "cli.validate-ok": {
        "en": "ok   {course} is valid ({assignments} assignments, {items} rubric items)",
        "ko": "통과 {course}의 형식이 올바릅니다 (과제 {assignments}개, 채점 항목 {items}개)",
    },
    "cli.validate-problems": {"en": "{count} problem(s)", "ko": "문제 {count}개"},
    "cli.validate-valid": {"en": "the course is valid", "ko": "과목이 올바릅니다"},
    "cli.validate-passed": {"en": "ok   {title}", "ko": "통과 {title}"},
    "cli.validate-failed": {"en": "FAIL {title}", "ko": "실패 {title}"},
    "cli.validate-skip": {"en": "skip grading {assignments}: its reference is missing or broken (above)",
                          "ko": "{assignments} 채점을 건너뜁니다: 참조 구현이 없거나 망가졌습니다 (위 참고)"},
    "cli.validate-conventions": {
        "en": "conventions: notebooks, grade cells, check() names, signatures, reference, catalogued mistakes",
        "ko": "규칙: 노트북, 채점 셀, check() 이름, 시그니처, 참조 구현, 목록의 실수"},
    "cli.validate-solutions": {"en": "solutions score full marks: {scores}", "ko": "풀이가 만점을 받습니다: {scores}"},
    "cli.validate-stubs": {"en": "stubs score zero", "ko": "빈 함수(stub)은(는) 0점을 받습니다"},
    "cli.validate-mistakes": {"en": "every catalogued mistake loses points on the items it targets",
                              "ko": "목록의 모든 실수가 겨냥한 항목에서 점수를 잃습니다"},
    "cli.validate-release": {"en": "exercises/ and fixtures match a fresh release",
                             "ko": "exercises/와(과) 공개 케이스가 새로 배포한 것과 같습니다"},
    "cli.validate-leaks": {"en": "no solution line leaks into exercises/",
                           "ko": "exercises/에 새어 나간 풀이 줄이 없습니다"},
    # -- a course's problems (validate, and every verb that cannot grade): file, cell, function, what, fix
    "course.problem": {"en": "{file}:{who} {what}; fix: {fix}", "ko": "{file}:{who} {what}. 고치려면: {fix}"},
    "course.problem-in-cell": {"en": "{file}, {cell}:{who} {what}; fix: {fix}",
                               "ko": "{file}, {cell}:{who} {what}. 고치려면: {fix}"},
    "course.cell": {"en": "cell {number}", "ko": "셀 {number}"},
    "course.cell-id": {"en": "cell {number} (id {id})", "ko": "셀 {number} (id {id})"},
    "course.use-one-of": {"en": "use one of: {choices}", "ko": "다음 중 하나를 쓰세요: {choices}"},
    "course.did-you-mean": {"en": 'did you mean check("{name}")?', "ko": 'check("{name}")을(를) 뜻했나요?'},
    "course.use-graded-name": {"en": "use the name of a graded function", "ko": "채점되는 함수의 이름을 쓰세요"},
    "course.no-solutions-notebook": {"en": "the assignment's solutions notebook is missing",
                                     "ko": "과제의 풀이 노트북이 없습니다"},
    "course.no-solutions-notebook-fix": {
        "en": "create it (docs/NOTEBOOKS.md), or fix notebook: in course.yaml's assignment '{assignment}'",
        "ko": "노트북을 만들거나 (docs/NOTEBOOKS.md), course.yaml의 과제 '{assignment}'에서 notebook:을(를) 고치세요"},
    "course.notebook-unreadable": {"en": "not a readable notebook ({detail})", "ko": "읽을 수 있는 노트북이 아닙니다 ({detail})"},
    "course.notebook-unreadable-fix": {"en": "restore it from git or re-save it in JupyterLab",
                                       "ko": "git에서 되살리거나 JupyterLab에서 다시 저장하세요"},
    "course.nbgrader-metadata": {"en": "invalid nbgrader metadata ({detail})",
                                 "ko": "nbgrader 메타데이터가 올바르지 않습니다 ({detail})"},
    "course.nbgrader-metadata-fix": {"en": "fix the cell's nbgrader metadata (docs/NOTEBOOKS.md, 'Cell metadata')",
                                     "ko": "셀의 nbgrader 메타데이터를 고치세요 (docs/NOTEBOOKS.md, 'Cell metadata')"},
    "course.syntax": {"en": "does not parse (line {line}: {detail})", "ko": "파이썬 문법 오류입니다 ({line}번째 줄: {detail})"},
    "course.syntax-fix": {"en": "fix the syntax", "ko": "문법을 고치세요"},
    "course.marker-outside": {
        "en": "line {line}: {marker} is outside a function, so the student's cell would hold "
              "`raise NotImplementedError()` and no def",
        "ko": "{line}번째 줄: {marker}이(가) 함수 밖에 있어서, 학생의 셀에는 def 없이 "
              "`raise NotImplementedError()`만 남습니다"},
    "course.marker-outside-fix": {"en": "put the markers inside the function's body, below its docstring",
                                  "ko": "표시를 함수 본문 안, docstring 아래에 두세요"},
    "course.check-elsewhere": {"en": "check(\"{name}\") is graded in '{elsewhere}', not '{assignment}'",
                               "ko": "check(\"{name}\")은(는) '{assignment}'이(가) 아니라 '{elsewhere}'에서 채점됩니다"},
    "course.check-ungraded": {"en": "check(\"{name}\") is not a graded function in course.yaml",
                              "ko": "check(\"{name}\")은(는) course.yaml에서 채점되는 함수가 아닙니다"},
    "course.grade-cell-name": {"en": "grade cell '{grade_id}' is not named check_<function>",
                               "ko": "채점 셀 '{grade_id}'의 이름이 check_<함수> 꼴이 아닙니다"},
    "course.grade-cell-name-fix": {"en": "set its grade_id to check_<the function it checks>",
                                   "ko": "grade_id을(를) check_<검사하는 함수>(으)로 하세요"},
    "course.grade-cell-ungraded": {"en": "a grade cell for a function course.yaml does not grade in '{assignment}'",
                                   "ko": "course.yaml이(가) '{assignment}'에서 채점하지 않는 함수의 채점 셀입니다"},
    "course.grade-cell-ungraded-fix": {
        "en": "add it to course.yaml (`autograder new-function {function} --assignment {assignment}`) or delete the cell",
        "ko": "course.yaml에 넣거나 (`autograder new-function {function} --assignment {assignment}`) 셀을 지우세요"},
    "course.grade-cell-points": {"en": "the grade cell gives {points} points, course.yaml gives {expected} ({parts})",
                                 "ko": "채점 셀의 배점은 {points}점, course.yaml의 배점은 {expected}점입니다 ({parts})"},
    "course.grade-cell-points-fix": {"en": "set the cell's points to {expected}, or change course.yaml",
                                     "ko": "셀의 points을(를) {expected}(으)로 하거나 course.yaml을(를) 바꾸세요"},
    "course.grade-cell-source": {"en": "the grade cell's source is {source}", "ko": "채점 셀의 코드가 {source}입니다"},
    "course.grade-cell-source-fix": {"en": 'make it exactly check("{function}")',
                                     "ko": '정확히 check("{function}")(으)로 하세요'},
    "course.solution-cell-no-def": {"en": "the solution cell '{grade_id}' does not define {grade_id}",
                                    "ko": "풀이 셀 '{grade_id}'이(가) {grade_id}을(를) 정의하지 않습니다"},
    "course.solution-cell-no-def-fix": {"en": "write `def {definition}:` in it", "ko": "셀 안에 `def {definition}:`을(를) 쓰세요"},
    "course.no-solution-cell": {"en": "no solution cell defines it", "ko": "이 함수를 정의하는 풀이 셀이 없습니다"},
    "course.no-solution-cell-fix": {
        "en": "add a solution cell with grade_id '{name}' holding `def {definition}:` (`autograder new-function` writes one)",
        "ko": "grade_id '{name}'인 풀이 셀에 `def {definition}:`을(를) 넣어 추가하세요 (`autograder new-function`이(가) "
              "만들어 줍니다)"},
    "course.notebook-signature": {"en": "the notebook defines {defined}, course.yaml's inputs are {inputs}",
                                  "ko": "노트북은 {defined}을(를) 정의하는데, course.yaml의 입력은 {inputs}입니다"},
    "course.notebook-signature-fix": {
        "en": "use course.yaml's argument names and order in the def (the grader passes them in that order), "
              "or rename the inputs in course.yaml",
        "ko": "def에 course.yaml의 인자 이름과 순서를 쓰거나 (채점기는 그 순서로 넘깁니다), course.yaml의 입력 이름을 바꾸세요"},
    "course.no-grade-cell": {"en": "no grade cell check_{name}", "ko": "채점 셀 check_{name}이(가) 없습니다"},
    "course.no-grade-cell-fix": {
        "en": 'add a locked grade cell, grade_id check_{name}, points {points}, source check("{name}")',
        "ko": '잠긴 채점 셀을 추가하세요: grade_id check_{name}, points {points}, 코드 check("{name}")'},
    "course.grade-cell-first": {"en": "the grade cell comes before the solution cell",
                                "ko": "채점 셀이 풀이 셀보다 앞에 있습니다"},
    "course.grade-cell-first-fix": {"en": "move it below the solution cell", "ko": "풀이 셀 아래로 옮기세요"},
    "course.reference-import": {"en": "the reference does not import ({detail})",
                                "ko": "참조 구현을 import할 수 없습니다 ({detail})"},
    "course.reference-import-fix": {"en": "fix the reference module named in the error",
                                    "ko": "오류에 나온 참조 구현 모듈을 고치세요"},
    "course.reference-not-exported": {"en": "defined in the reference but not exported",
                                      "ko": "참조 구현에 정의되어 있지만 export되지 않았습니다"},
    "course.reference-not-exported-fix": {
        "en": "add '{name}' to reference/__init__.py's __all__ (or its module's __all__)",
        "ko": "'{name}'을(를) reference/__init__.py의 __all__ (또는 그 모듈의 __all__)에 넣으세요"},
    "course.reference-missing": {"en": "no reference implementation: the grader has nothing to compare with",
                                 "ko": "참조 구현이 없습니다: 채점기가 비교할 대상이 없습니다"},
    "course.reference-missing-fix": {
        "en": "write `def {definition}` in a reference/ module and export it from reference/__init__.py "
              "(`autograder new-function {name} --assignment {assignment}` writes a stub)",
        "ko": "reference/의 모듈에 `def {definition}`을(를) 쓰고 reference/__init__.py에서 export하세요 "
              "(`autograder new-function {name} --assignment {assignment}`이(가) 빈 함수를 만들어 줍니다)"},
    "course.reference-signature": {"en": "the reference is {defined}, course.yaml's inputs are {inputs}",
                                   "ko": "참조 구현은 {defined}인데, course.yaml의 입력은 {inputs}입니다"},
    "course.reference-signature-fix": {"en": "use the same argument names and order in both",
                                       "ko": "두 곳에 같은 인자 이름과 순서를 쓰세요"},
    "course.reference-stub": {"en": "the reference is still a stub (raises NotImplementedError)",
                              "ko": "참조 구현이 아직 빈 함수입니다 (NotImplementedError)"},
    "course.reference-stub-fix": {"en": "implement it: the grader compares every student with it",
                                  "ko": "구현하세요: 채점기는 모든 학생을 이것과 비교합니다"},
    "course.reference-fails": {"en": "the reference fails on an input drawn from course.yaml ({detail})",
                               "ko": "참조 구현이 course.yaml에서 뽑은 입력에서 실패합니다 ({detail})"},
    "course.reference-fails-fix": {"en": "make the reference and course.yaml's inputs/returns agree",
                                   "ko": "참조 구현과 course.yaml의 inputs/returns을(를) 맞추세요"},
    "course.no-input-case": {"en": "cannot draw an input case ({detail})", "ko": "입력 케이스를 뽑을 수 없습니다 ({detail})"},
    "course.no-input-case-fix": {"en": "check this function's inputs in course.yaml",
                                 "ko": "course.yaml에서 이 함수의 inputs을(를) 확인하세요"},
    "course.catalogue-load": {"en": "the catalogue of mistakes does not load ({detail})",
                              "ko": "실수 목록을 불러올 수 없습니다 ({detail})"},
    "course.catalogue-load-fix": {"en": "fix reference/mutants.py", "ko": "reference/mutants.py을(를) 고치세요"},
    "course.mistake-replaces": {"en": "mistake '{mistake}' replaces {name}, which the reference does not define",
                                "ko": "실수 '{mistake}'이(가) 바꾸는 {name}은(는) 참조 구현에 정의되어 있지 않습니다"},
    "course.mistake-replaces-fix": {"en": "correct the name or remove the mistake",
                                    "ko": "이름을 바로잡거나 그 실수를 지우세요"},
    "course.mistake-no-function": {"en": "mistake '{mistake}' targets {target}, but no function {function} exists",
                                   "ko": "실수 '{mistake}'이(가) {target}을(를) 겨냥하지만, 함수 {function}이(가) 없습니다"},
    "course.mistake-target-fix": {"en": "correct the target or remove it", "ko": "겨냥 대상을 바로잡거나 지우세요"},
    "course.mistake-not-output": {"en": "mistake '{mistake}' targets {target}, which is not a graded output",
                                  "ko": "실수 '{mistake}'이(가) 겨냥한 {target}은(는) 채점되는 출력이 아닙니다"},
    "course.mistake-stub": {"en": "mistake '{mistake}' is still a stub (raises NotImplementedError)",
                            "ko": "실수 '{mistake}'이(가) 아직 빈 함수입니다 (NotImplementedError)"},
    "course.mistake-fails": {"en": "mistake '{mistake}' fails on an input drawn from course.yaml ({detail})",
                             "ko": "실수 '{mistake}'이(가) course.yaml에서 뽑은 입력에서 실패합니다 ({detail})"},
    "course.mistake-fails-fix": {"en": "write what a student making this mistake computes",
                                 "ko": "이 실수를 하는 학생이 계산하는 것을 쓰세요"},
    "course.mistake-escapes": {"en": "mistake '{mistake}' still passes {item}: make its hidden cases or tolerance stricter",
                               "ko": "실수 '{mistake}'이(가) {item}을(를) 아직 통과합니다: 숨은 케이스나 허용 오차를 더 엄격하게 하세요"},
    "course.solution-not-passed": {"en": "solutions/{assignment}: {item} {status}: {detail}",
                                   "ko": "solutions/{assignment}: {item} 상태 {status}: {detail}"},
    "course.stub-earns": {"en": "exercises/{assignment}: the stub earns {score} on {item}",
                          "ko": "exercises/{assignment}: 빈 함수이(가) {item}에서 {score}점을 받습니다"},
    "course.stale": {"en": "{path} is stale: run `autograder release {assignment}`",
                     "ko": "{path}이(가) 오래되었습니다: `autograder release {assignment}`을(를) 실행하세요"},
    "course.release-missing": {"en": "{path} is missing: run `autograder release {assignment}`",
                               "ko": "{path}이(가) 없습니다: `autograder release {assignment}`을(를) 실행하세요"},
    "course.release-other-files": {
        "en": "{path} has other files than a fresh release: run `autograder release {assignment}`",
        "ko": "{path}의 파일이 새로 배포한 것과 다릅니다: `autograder release {assignment}`을(를) 실행하세요"},
    "course.leak": {"en": "{path} contains a solution line: {line}", "ko": "{path}에 풀이 줄이 있습니다: {line}"},
    # -- course.yaml's and reference/mistakes.yaml's problems: file:line: key: what; fix
    "course.at": {"en": "{path}:{line}: {key}: {what}; fix: {fix}", "ko": "{path}:{line}: {key}: {what}. 고치려면: {fix}"},
    "course.keyed": {"en": "{key}: {what}", "ko": "{key}: {what} (키)"},
    "course.top-level": {"en": "(top level)", "ko": "(최상위)"},
    "course.schema-required": {"en": "{key} is a required property", "ko": "필수 키 {key}이(가) 없습니다"},
    "course.schema-additionalProperties": {"en": "Additional properties are not allowed ({extras} was unexpected)",
                                           "ko": "허용되지 않는 키입니다 ({extras})"},
    "course.schema-additionalProperties-many": {
        "en": "Additional properties are not allowed ({extras} were unexpected)",
        "ko": "허용되지 않는 키들입니다 ({extras})"},
    "course.schema-type": {"en": "{instance} is not of type {types}", "ko": "{instance}의 형식이 {types}이(가) 아닙니다"},
    "course.schema-enum": {"en": "{instance} is not one of {value}", "ko": "{instance}은(는) {value} 중 하나가 아닙니다"},
    "course.schema-minimum": {"en": "{instance} is less than the minimum of {value}",
                              "ko": "{instance}은(는) 최솟값 {value}보다 작습니다"},
    "course.schema-exclusiveMinimum": {"en": "{instance} is less than or equal to the minimum of {value}",
                                       "ko": "{instance}은(는) {value}보다 커야 합니다"},
    "course.schema-maximum": {"en": "{instance} is greater than the maximum of {value}",
                              "ko": "{instance}은(는) 최댓값 {value}보다 큽니다"},
    "course.schema-exclusiveMaximum": {"en": "{instance} is greater than or equal to the maximum of {value}",
                                       "ko": "{instance}은(는) {value}보다 작아야 합니다"},
    "course.schema-pattern": {"en": "{instance} does not match {value}", "ko": "{instance}이(가) 패턴 {value}에 맞지 않습니다"},
    "course.schema-other": {"en": "{detail}", "ko": "스키마 검사 (jsonschema): {detail}"},
    "course.fix-type": {"en": "use a value of type {type}", "ko": "{type} 형식의 값을 쓰세요"},
    "course.fix-add-key": {"en": "add the key '{key}'", "ko": "키 '{key}'을(를) 넣으세요"},
    "course.fix-add-missing-key": {"en": "add the missing key", "ko": "빠진 키를 넣으세요"},
    "course.fix-rename-key": {"en": "remove or rename the key", "ko": "키를 지우거나 이름을 바꾸세요"},
    "course.fix-rename-key-allowed": {"en": "remove or rename the key (allowed: {allowed})",
                                      "ko": "키를 지우거나 이름을 바꾸세요 (쓸 수 있는 키: {allowed})"},
    "course.fix-minimum": {"en": "use a value above or equal to {value}", "ko": "{value} 이상의 값을 쓰세요"},
    "course.fix-exclusiveMinimum": {"en": "use a value above {value}", "ko": "{value}보다 큰 값을 쓰세요"},
    "course.fix-maximum": {"en": "use a value below or equal to {value}", "ko": "{value} 이하의 값을 쓰세요"},
    "course.fix-exclusiveMaximum": {"en": "use a value below {value}", "ko": "{value}보다 작은 값을 쓰세요"},
    "course.fix-pattern": {"en": "match the pattern {pattern}", "ko": "패턴 {pattern}에 맞추세요"},
    "course.fix-one-of": {
        "en": "an input spec needs exactly one of: shape (random array), value, choice, dict, list+item, "
              "like (upstream gradient), from (a forward output)",
        "ko": "입력 명세에는 다음 중 정확히 하나가 있어야 합니다: shape (무작위 배열), value, choice, dict, list+item, "
              "like (위에서 온 기울기), from (순전파의 출력)"},
    "course.fix-count": {"en": "check the number of entries ({validator} {value})",
                         "ko": "항목 수를 확인하세요 ({validator} {value})"},
    "course.fix-schema": {"en": "see {schema}", "ko": "{schema}을(를) 보세요"},
    "course.fix-write-text": {"en": "write the text", "ko": "글을 쓰세요"},
    "course.assignment-twice": {"en": "assignment '{assignment}' is listed twice",
                                "ko": "과제 '{assignment}'이(가) 두 번 나옵니다"},
    "course.assignment-twice-fix": {"en": "give each assignment its own id", "ko": "과제마다 다른 id을(를) 주세요"},
    "course.unknown-assignment": {"en": "unknown assignment '{assignment}'", "ko": "없는 과제 '{assignment}'"},
    "course.through-ungraded": {"en": "'{name}' is not a graded function", "ko": "'{name}'은(는) 채점되는 함수가 아닙니다"},
    "course.through-ungraded-fix": {"en": "name the forward this backward is graded through",
                                    "ko": "이 역전파가 거쳐 채점되는 순전파 함수를 적으세요"},
    "course.through-chained": {"en": "'{name}' is itself graded through another function",
                               "ko": "'{name}' 자체가 다른 함수를 거쳐 채점됩니다"},
    "course.through-chained-fix": {"en": "chain only one level: a backward goes through a forward",
                                   "ko": "한 단계만 이으세요: 역전파는 순전파를 거칩니다"},
    "course.size-undefined": {"en": "size '{size}' is not defined", "ko": "크기 '{size}'이(가) 정의되지 않았습니다"},
    "course.size-undefined-fix": {"en": "add {size} to grading.dims or this function's dims",
                                  "ko": "{size}을(를) grading.dims 또는 이 함수의 dims에 넣으세요"},
    "course.needs-through": {"en": "'{kind}' needs a 'through' forward", "ko": "'{kind}'에는 'through' 순전파가 필요합니다"},
    "course.needs-through-fix": {"en": "add through: <forward function>", "ko": "through: <순전파 함수>를 넣으세요"},
    "course.not-an-output": {"en": "'{name}' is not an output of {forward}", "ko": "'{name}'은(는) {forward}의 출력이 아닙니다"},
    "course.callee-ungraded": {"en": "'{name}' is not another graded function",
                               "ko": "'{name}'은(는) 채점되는 다른 함수가 아닙니다"},
    "course.callee-ungraded-fix": {"en": "list the graded functions this one calls",
                                   "ko": "이 함수가 호출하는 채점 함수들을 적으세요"},
    "course.callee-elsewhere": {"en": "'{name}' belongs to another assignment", "ko": "'{name}'은(는) 다른 과제의 함수입니다"},
    "course.callee-elsewhere-fix": {
        "en": "list only functions of the same assignment (the student's own code in this notebook)",
        "ko": "같은 과제의 함수만 적으세요 (이 노트북에 있는 학생 자신의 코드)"},
    "course.not-returned": {"en": "'{name}' is not one of the returned values", "ko": "'{name}'은(는) 반환값이 아닙니다"},
    "course.cache-graded": {"en": "the cache is the student's own object and is never graded",
                            "ko": "cache은(는) 학생 자신의 객체이므로 채점하지 않습니다"},
    "course.remove-entry": {"en": "remove this entry", "ko": "이 항목을 지우세요"},
    "course.tolerance-no-points": {"en": "'{name}' has a tolerance but no points",
                                   "ko": "'{name}'에 허용 오차는 있지만 배점이 없습니다"},
    "course.tolerance-no-points-fix": {"en": "add it to points or remove it", "ko": "points에 넣거나 지우세요"},
    "course.mistakes-not-mapping": {
        "en": "{path}:1: the mistakes file must be a YAML mapping with the key 'mistakes'; "
              "fix: start from the reference/mistakes.yaml shipped with RNN Lab",
        "ko": "{path}:1: 실수 파일은 키 'mistakes'이(가) 있는 YAML 매핑이어야 합니다. "
              "고치려면: RNN Lab에 들어 있는 reference/mistakes.yaml에서 시작하세요"},
    "course.wording-missing": {"en": "mistake '{mistake}' has no feedback wording in Korean and English",
                               "ko": "실수 '{mistake}'에 한국어와 영어 피드백 문구가 없습니다"},
    "course.wording-missing-fix": {
        "en": "write its wording (what, where, why, fix, fix_words) in Korean and English under '{mistake}:' in "
              "{path} (`autograder new-mistake` writes one to fill in; docs/NOTEBOOKS.md)",
        "ko": "{path}의 '{mistake}:' 아래에 문구 (what, where, why, fix, fix_words)을(를) 한국어와 영어로 쓰세요 "
              "(`autograder new-mistake`이(가) 채울 틀을 써 줍니다; docs/NOTEBOOKS.md)"},
    "course.wording-generic-id": {"en": "'{mistake}' is a generic pattern's id", "ko": "'{mistake}'은(는) 일반 패턴의 id입니다"},
    "course.wording-generic-id-fix": {"en": "give the mistake an id of its own", "ko": "실수에 고유한 id을(를) 주세요"},
    "course.wording-unknown": {"en": "wording for '{mistake}', but reference/mutants.py catalogues no such mistake",
                               "ko": "'{mistake}'의 문구가 있지만 reference/mutants.py에 그런 실수가 없습니다"},
    "course.wording-unknown-fix": {"en": "correct the id, or remove the entry", "ko": "id을(를) 바로잡거나 항목을 지우세요"},
    "course.wording-placeholder": {"en": "mistake '{mistake}' is not worded yet: {parts} still say {placeholder}",
                                   "ko": "실수 '{mistake}'의 문구가 아직 없습니다: {parts}이(가) 아직 {placeholder}입니다"},
    "course.wording-placeholder-fix": {
        "en": "write each in its language (what, where, why, fix; fix_words: the fix's key words)",
        "ko": "각각 그 언어로 쓰세요 (what, where, why, fix; fix_words: 고치는 법의 핵심 낱말)"},
    "course.wording-no-korean": {
        "en": "mistake '{mistake}' has no feedback wording in Korean (its ko texts are the English ones)",
        "ko": "실수 '{mistake}'에 한국어 피드백 문구가 없습니다 (ko 문구가 영어 문구와 같습니다)"},
    "course.wording-no-korean-fix": {"en": "write what, where, why and fix in Korean",
                                     "ko": "what, where, why, fix을(를) 한국어로 쓰세요"},
    "course.wording-gives-away": {"en": "mistake '{mistake}': the hint level ({lang}) gives the fix word '{word}' away",
                                  "ko": "실수 '{mistake}': 힌트 단계 ({lang})에서 고치는 법의 낱말 '{word}'이(가) 드러납니다"},
    "course.wording-gives-away-fix": {
        "en": "say it in why or fix only; what and where name the concept and where to look",
        "ko": "why 또는 fix에서만 말하세요. what과(와) where은(는) 개념과 볼 곳만 말합니다"},
    "course.wording-unused-word": {"en": "mistake '{mistake}': the fix word '{word}' ({lang}) is in neither its why nor its fix",
                                   "ko": "실수 '{mistake}': 고치는 법의 낱말 '{word}' ({lang})이(가) why에도 fix에도 없습니다"},
    "course.wording-unused-word-fix": {"en": "list the key words of its fix", "ko": "고치는 법의 핵심 낱말을 적으세요"},
    # -- grade: a student folder refused, a student the grader failed, a file of a submission ignored
    "cli.id-blank": {"en": "it is empty or starts or ends with white space",
                     "ko": "이름이 비었거나 공백으로 시작하거나 끝납니다"},
    "cli.id-long": {"en": "it is longer than {limit} characters", "ko": "이름이 {limit}자보다 깁니다"},
    "cli.id-start": {"en": "it starts with '.', '-' or '~'", "ko": "이름이 '.', '-' 또는 '~'(으)로 시작합니다"},
    "cli.id-slash": {"en": "it contains '/', '\\' or '`'", "ko": "이름에 '/', '\\' 또는 '`'이(가) 있습니다"},
    "cli.id-character": {"en": "it contains the character {char} ({category})",
                         "ko": "이름에 문자 {char} ({category})이(가) 있습니다"},
    "cli.id-reserved": {"en": "the grader writes a file or folder of that name into the results folder",
                        "ko": "채점기가 결과 폴더에 같은 이름의 파일이나 폴더를 씁니다"},
    "cli.id-suffix": {"en": "it ends like a file name ({suffixes})", "ko": "이름이 파일 이름처럼 끝납니다 ({suffixes})"},
    "cli.trouble-sandbox": {
        "en": "{student}: the sandbox failed on {assignments}; those items are `error` until a rerun grades them again",
        "ko": "{student}: {assignments}에서 샌드박스가 실패했습니다. 다시 실행해 채점할 때까지 그 항목은 `error`입니다"},
    "cli.trouble-not-graded": {"en": "{student}: not graded ({detail}); rerun to try again",
                               "ko": "{student}: 채점하지 못했습니다 ({detail}). 다시 실행해 보세요"},
    "cli.ignoring-file": {"en": "ignoring {path} ({why}); that submission gets nothing from it",
                          "ko": "{path}을(를) 읽지 않습니다 ({why}). 그 제출물은 이 파일에서 아무것도 얻지 못합니다"},
    "cli.file-not-utf8": {"en": "not UTF-8 text", "ko": "UTF-8 텍스트가 아닙니다"},
    "cli.file-symlink": {"en": "it is a symbolic link, not a file", "ko": "파일이 아니라 심볼릭 링크입니다"},
    "cli.file-cannot-open": {"en": "cannot open it ({detail})", "ko": "열 수 없습니다 ({detail})"},
    "cli.file-directory": {"en": "not a regular file (a directory)", "ko": "일반 파일이 아닙니다 (폴더)"},
    "cli.file-device": {"en": "not a regular file (a device, pipe or socket)",
                        "ko": "일반 파일이 아닙니다 (장치, 파이프 또는 소켓)"},
    "cli.file-too-large": {"en": "{size} is over the {limit} limit", "ko": "{size}(으)로 한도 {limit}을(를) 넘습니다"},
    "cli.file-grew": {"en": "over the {limit} limit", "ko": "한도 {limit}을(를) 넘습니다"},
    "cli.size-mb": {"en": "{mb} MB", "ko": "{mb}MB"},
    "cli.size-bytes": {"en": "{n} bytes", "ko": "{n}바이트"},
    "cli.names-more": {"en": "{names} and {more} more", "ko": "{names} 외 {more}명"},
    "cli.in-parens": {"en": " ({text})", "ko": " (학생: {text})"},
    # -- check
    "cli.check-no-sandbox": {
        "en": "--no-sandbox: the notebook's code runs in this process, as you, and can read everything you can "
              "(a course's grading secret and reference included). Use it only for code you trust.",
        "ko": "--no-sandbox: 노트북의 코드가 이 프로세스에서 여러분의 권한으로 실행되어, 여러분이 읽을 수 있는 모든 것을 "
              "(과목의 채점 비밀 키와 참조 구현 포함) 읽을 수 있습니다. 믿을 수 있는 코드에만 쓰세요."},
    "cli.check-in-process": {
        "en": "no sandbox here: the notebook's code runs in this process "
              "(fine for your own work; for someone else's, use the course folder on a machine with bubblewrap).",
        "ko": "여기에는 샌드박스가 없습니다: 노트북의 코드가 이 프로세스에서 실행됩니다 (자신의 코드라면 괜찮습니다. "
              "다른 사람의 코드는 bubblewrap이(가) 있는 컴퓨터의 과목 폴더에서 검사하세요)."},
    # -- report, export, gradebook
    "usage.no-results-dir": {
        "en": "{path}: no such folder (the results folder written by `autograder grade`)",
        "ko": "{path}: 폴더가 없습니다 (`autograder grade`이(가) 쓴 결과 폴더를 주세요)",
    },
    "usage.needs-matplotlib": {
        "en": "the report needs matplotlib: pip install 'rnnlab[notebooks]' (or matplotlib)",
        "ko": "보고서를 만들려면 matplotlib 패키지가 필요합니다: pip install 'rnnlab[notebooks]' (또는 matplotlib)",
    },
    "cli.report-done": {
        "en": "report: {index} ({students} students, {files} result files)",
        "ko": "보고서: {index} (학생 {students}명, 결과 파일 {files}개)",
    },
    "usage.column-arg": {
        "en": '--column {pair}: expected ASSIGNMENT="Name (id)", e.g. rnn="Vanilla RNN (123456)"',
        "ko": '--column {pair}: ASSIGNMENT="Name (id)" 형식이어야 합니다. 예: rnn="Vanilla RNN (123456)"',
    },
    "usage.nbgrader-for-timestamps": {
        "en": "--submitted reads nbgrader's timestamps, and nbgrader is not installed: run `make .venv/.run` "
              "(or pip install nbgrader), or leave out --submitted",
        "ko": "--submitted은(는) nbgrader의 제출 시간을 읽는데 nbgrader이(가) 설치되어 있지 않습니다: `make .venv/.run`을(를) "
              "실행하거나 (또는 pip install nbgrader) --submitted을(를) 빼세요",
    },
    "usage.roster-fields": {
        "en": "--roster {path}, line {line}: {fields} fields, but the header has {header}; a value with a comma "
              "must be in double quotes",
        "ko": "--roster {path}, {line}번째 줄: 필드가 {fields}개인데 머리글은 {header}개입니다. 쉼표가 든 값은 "
              "큰따옴표로 감싸야 합니다",
    },
    "usage.roster-unreadable": {"en": "--roster {path}: cannot read it ({detail})",
                                "ko": "--roster {path}: 읽을 수 없습니다 ({detail})"},
    "usage.roster-not-utf8": {"en": "--roster {path}: not a UTF-8 CSV file ({detail})",
                              "ko": "--roster {path}: UTF-8 CSV 파일이 아닙니다 ({detail})"},
    "usage.roster-csv": {"en": "--roster {path}, line {line}: not valid CSV ({detail})",
                         "ko": "--roster {path}, {line}번째 줄: 올바른 CSV이(가) 아닙니다 ({detail})"},
    "usage.roster-doubled": {"en": "--roster {path}, line 1: the column {column!r} appears twice",
                             "ko": "--roster {path}, 1번째 줄: 열 {column!r}이(가) 두 번 나옵니다"},
    "usage.roster-no-key": {
        "en": "--roster {path}: no column to find students by; add '{key}' (the nbgrader student id) or one of: "
              "{columns}",
        "ko": "--roster {path}: 학생을 찾을 열이 없습니다. '{key}' 열(nbgrader 학생 id)이나(나) 다음 중 하나를 "
              "넣으세요: {columns}",
    },
    "usage.column-unknown": {
        "en": "--column {aid}: not an assignment of these results ({assignments})",
        "ko": "--column {aid}: 이 결과에 있는 과제({assignments})이(가) 아닙니다",
    },
    "usage.column-form": {
        "en": '--column {aid}="{header}": Canvas matches an assignment by a header of the form "Name (id)", '
              'e.g. --column {aid}="Vanilla RNN (123456)"',
        "ko": '--column {aid}="{header}": Canvas은(는) "Name (id)" 형식의 머리글로 과제를 찾습니다. '
              '예: --column {aid}="Vanilla RNN (123456)"',
    },
    "usage.column-ambiguous": {
        "en": '--roster {path}: several columns could be {aid}: {columns}; choose one with --column {aid}="…"',
        "ko": '--roster {path}: {aid}일 수 있는 열이 여러 개입니다: {columns}. 하나를 --column {aid}="…" 형식으로 '
              '고르세요',
    },
    "usage.canvas-new-assignment": {
        "en": "Canvas would create a new assignment for {unmatched}: neither the roster nor --column gives its "
              "Canvas header 'Name (id)'. Export the Canvas gradebook after creating the assignments and pass it "
              "as --roster, or give --column ASSIGNMENT=\"Name (id)\", or pass --new-assignments to have Canvas "
              "create them",
        "ko": "Canvas이(가) {unmatched}에 대해 새 과제를 만들게 됩니다: 명단에도 --column에도 Canvas 머리글 "
              "'Name (id)'이(가) 없습니다. 과제를 만든 뒤 Canvas 성적부를 내보내 --roster(으)로 주거나, "
              "--column ASSIGNMENT=\"Name (id)\" 형식으로 주거나, Canvas이(가) 과제를 만들게 하려면 "
              "--new-assignments을(를) 주세요",
    },
    "usage.canvas-faceless": {
        "en": "--roster {path}: no ID, SIS User ID or SIS Login ID for {students}; Canvas could only guess them "
              "by name",
        "ko": "--roster {path}: {students}의 ID, SIS User ID, SIS Login ID이(가) 없습니다. Canvas은(는) 이름으로 짐작할 "
              "수밖에 없습니다",
    },
    "usage.identity": {"en": "--identity {identity}: choose one of {choices}",
                       "ko": "--identity {identity}: 다음 중 하나를 고르세요: {choices}"},
    "usage.moodle-unmatched": {
        "en": "--roster {path} lacks {students}; Moodle stops the whole import at a user it cannot find. Add them "
              "to the roster, or remove their results",
        "ko": "--roster {path}에 {students}이(가) 없습니다. Moodle에서는 찾을 수 없는 사용자가 나오면 가져오기 전체가 "
              "멈춥니다. 명단에 넣거나 그 결과를 지우세요",
    },
    "usage.moodle-faceless-roster": {
        "en": "--roster {path} has no '{column}' for {students}; Moodle identifies every row by it (--identity "
              "{identity}). Fill it in the roster, or choose another --identity",
        "ko": "--roster {path}에 {students}의 '{column}'이(가) 없습니다. Moodle에서는 모든 행을 이 열로 찾습니다 "
              "(--identity {identity}). 명단에 채우거나 다른 --identity을(를) 고르세요",
    },
    "usage.moodle-faceless": {
        "en": "no '{column}' for {students}; Moodle identifies every row by it (--identity {identity}). Fill it "
              "in the roster, or choose another --identity",
        "ko": "{students}의 '{column}'이(가) 없습니다. Moodle에서는 모든 행을 이 열로 찾습니다 (--identity {identity}). "
              "명단에 채우거나 다른 --identity을(를) 고르세요",
    },
    "cli.export-done": {"en": "{out}: {rows} row(s) in the {fmt} format", "ko": "{out}: {fmt} 형식으로 {rows}행"},
    "cli.warning": {"en": "warning: {warning}", "ko": "경고: {warning}"},
    # the class table of grade and merge (report/stats.py): its column heads, then each row's maximum
    "cli.summary-assignment": {"en": "assignment", "ko": "과제"},
    "cli.summary-students": {"en": "students", "ko": "학생 수"},
    "cli.summary-mean": {"en": "mean", "ko": "평균"},
    "cli.summary-min": {"en": "min", "ko": "최저"},
    "cli.summary-max": {"en": "max", "ko": "최고"},
    "cli.summary-full": {"en": "full", "ko": "만점"},
    "cli.summary-items": {"en": "items passed/failed/error/timeout/missing",
                          "ko": "항목 통과/실패/오류/시간 초과/없음"},
    "cli.summary-of-points": {"en": "(of {points:g} points)", "ko": "(배점 {points:g}점)"},
    "cli.summary-results": {"en": "results: {out}  (grades.csv, <student>/<assignment>.json and .md)",
                            "ko": "결과: {out}  (grades.csv, <학생>/<과제>.json과(와) .md)"},
    "cli.canvas-unmatched": {
        "en": "{count} student(s) not in {roster}, written with their nbgrader id as SIS Login ID: {students}",
        "ko": "{roster}에 없는 학생 {count}명은 nbgrader id을(를) SIS Login ID(으)로 써서 넣었습니다: {students}",
    },
    "usage.nbgrader-missing": {
        "en": "nbgrader is not installed for {python}, and the gradebook is nbgrader's database. Install it with "
              "`make .venv/.run` (or pip install -c requirements/constraints.txt nbgrader) and run "
              ".venv/bin/autograder; the results folder and `autograder export` work without it.",
        "ko": "{python}에 nbgrader이(가) 설치되어 있지 않은데, 성적부는 nbgrader의 데이터베이스입니다. `make .venv/.run`"
              "(또는 pip install -c requirements/constraints.txt nbgrader) 명령으로 설치하고 .venv/bin/autograder을(를) "
              "실행하세요. 결과 폴더와 `autograder export`은(는) nbgrader 없이도 됩니다.",
    },
    "cli.gradebook-done": {"en": "{db}: {submissions} submission(s), {grades} grade cell score(s)",
                           "ko": "{db}: 제출물 {submissions}개, 채점 셀 점수 {grades}개"},
    "cli.gradebook-skipped": {"en": "skipped {count} result(s) of assignments not in {course}: {names}",
                              "ko": "{course}에 없는 과제의 결과 {count}개를 건너뛰었습니다: {names}"},
    # -- gradescope, grade-notebook
    "usage.requires-python": {"en": "{path}: no '# requires-python: >=X.Y' line",
                              "ko": "{path}: '# requires-python: >=X.Y' 줄이 없습니다"},
    "usage.gradescope-project-file": {"en": "{path}: missing; the Gradescope image installs the course from it",
                                      "ko": "{path}: 없습니다. Gradescope 이미지는 이 파일로 과목을 설치합니다"},
    "usage.gradescope-template": {"en": "{path}: missing; the grader takes an assignment's trusted cells from it",
                                  "ko": "{path}: 없습니다. 채점기는 과제의 믿을 수 있는 셀을 이 파일에서 가져옵니다"},
    "usage.gradescope-no-result": {"en": "the grader wrote no result for {assignments}; see the log above",
                                   "ko": "채점기가 {assignments}의 결과를 쓰지 않았습니다. 위의 로그를 보세요"},
    "cli.gradescope-ran": {
        "en": "results.json: {score:g} points, {tests} tests; student code ran under {isolation}",
        "ko": "results.json: {score:g}점, 테스트 {tests}개. 학생 코드는 {isolation}에서 실행되었습니다",
    },
    "cli.gradescope-zip": {
        "en": "{out}: {files} files; upload it as the autograder of a Gradescope programming assignment (Ubuntu "
              "24.04 base image), then use 'Test Autograder' with a solution notebook",
        "ko": "{out}: 파일 {files}개. Gradescope 프로그래밍 과제의 autograder(으)로 올리고 (Ubuntu 24.04 기본 이미지) "
              "솔루션 노트북으로 'Test Autograder'을(를) 실행해 보세요",
    },
    "usage.folder-not-assignment": {"en": "{path}: the folder is not named after an assignment; pass --assignment",
                                    "ko": "{path}: 폴더 이름이 과제 id이(가) 아닙니다. --assignment을(를) 주세요"},
    "usage.which-assignment": {"en": "{path}: cannot tell which assignment this notebook is; pass --assignment",
                               "ko": "{path}: 이 노트북이 어느 과제인지 알 수 없습니다. --assignment을(를) 주세요"},
    "cli.cached": {"en": "  (cached)", "ko": "  (캐시에서)"},
    # -- similarity
    "usage.release-missing": {
        "en": "{path}: the student release is missing (run `autograder release {assignment}`); it is the "
              "boilerplate that must not count as copying",
        "ko": "{path}: 학생용 배포본이 없습니다 (`autograder release {assignment}`을(를) 실행하세요). 배포본의 "
              "코드는 베낀 것으로 치지 않습니다",
    },
    "usage.needs-copydetect": {
        "en": "similarity needs the copydetect package: run `make .venv/.run` (or pip install -c "
              "requirements/constraints.txt copydetect)",
        "ko": "similarity에는 copydetect 패키지가 필요합니다: `make .venv/.run`을(를) 실행하세요 (또는 pip install "
              "-c requirements/constraints.txt copydetect)",
    },
    "usage.no-submitted-folder-nbgrader": {
        "en": "{path}: no such folder (nbgrader's submitted/<student>/<assignment>/<notebook>)",
        "ko": "{path}: 폴더가 없습니다 (nbgrader의 submitted/<학생>/<과제>/<노트북>)",
    },
    "usage.threshold": {"en": "--threshold {value}: give a share between 0 and 1, e.g. 0.6",
                        "ko": "--threshold {value}: 0과(와) 1 사이의 비율을 주세요. 예: 0.6"},
    "usage.min-functions": {"en": "--min-functions {value}: give 1 or more",
                            "ko": "--min-functions {value}: 1 이상을 주세요"},
    "usage.common-share": {
        "en": "--common-share {value}: give a share between 0 and 1, e.g. 0.2 (1 keeps every passage)",
        "ko": "--common-share {value}: 0과(와) 1 사이의 비율을 주세요. 예: 0.2 (1이면 모든 구절을 셉니다)",
    },
    "cli.similarity-summary": {
        "en": "{students} student(s), {compared} pair(s) of cells compared: {found} pair(s) of students with "
              "similar solutions",
        "ko": "학생 {students}명, 셀 {compared}쌍 비교: 풀이가 비슷한 학생 {found}쌍",
    },
    "cli.similarity-fewer": {
        "en": "  ({count} more pair(s) share fewer than {min} function(s): --min-functions 1 lists them)",
        "ko": "  (겹치는 함수가 {min}개보다 적은 쌍이 {count}개 더 있습니다: --min-functions 1이면 보입니다)",
    },
    # -- new-assignment, new-function
    "cli.wrote": {"en": "wrote {path}", "ko": "썼습니다: {path}"},
    "cli.next-assignment": {
        "en": "next: autograder new-function NAME --assignment {id} (one per graded function), then fill in the "
              "header and the summary,\n  write the functions, and run: autograder release {id} && "
              "autograder validate --assignment {id}",
        "ko": "다음: autograder new-function NAME --assignment {id} (채점할 함수마다 한 번), 그다음 머리말과 요약을 "
              "채우고\n  함수를 작성한 뒤 실행하세요: autograder release {id} && autograder validate --assignment {id}",
    },
    "cli.next-function": {
        "en": "next: implement {name} in reference/added.py and in its solution cell, then\n"
              "  autograder release {assignment} && autograder validate --assignment {assignment}",
        "ko": "다음: reference/added.py과(와) 솔루션 셀에 {name}을(를) 구현한 뒤\n"
              "  autograder release {assignment} && autograder validate --assignment {assignment}",
    },
    "usage.not-size-name": {
        "en": "{what}: {bad} is not a size name (e.g. N, H, 4*H) or a number",
        "ko": "{what}: {bad}은(는) 크기 이름(예: N, H, 4*H)도 숫자도 아닙니다",
    },
    "usage.arg-name": {
        "en": "--arg {text!r}: {name!r} is not a Python name; write NAME=N,H, NAME=like:OUT or NAME=from:OUT",
        "ko": "--arg {text!r}: {name!r}은(는) 파이썬 이름이 아닙니다. NAME=N,H, NAME=like:OUT 또는 NAME=from:OUT "
              "형식으로 쓰세요",
    },
    "usage.dim-name": {
        "en": "--dim {text!r}: {name!r} is not a size name (a capital letter first, e.g. Tq, Dv)",
        "ko": "--dim {text!r}: {name!r}은(는) 크기 이름이 아닙니다 (대문자로 시작, 예: Tq, Dv)",
    },
    "usage.dim-form": {"en": "--dim {text!r}: write NAME=LOW,HIGH, e.g. {name}=2,5",
                       "ko": "--dim {text!r}: NAME=LOW,HIGH 형식으로 쓰세요. 예: {name}=2,5"},
    "usage.dim-bounds": {"en": "--dim {text!r}: need 1 <= LOW <= HIGH", "ko": "--dim {text!r}: 1 <= LOW <= HIGH여야 합니다"},
    "usage.returns-name": {"en": "--returns {text!r}: {name!r} is not a Python name",
                           "ko": "--returns {text!r}: {name!r}은(는) 파이썬 이름이 아닙니다"},
    "usage.function-name": {"en": "{name!r} is not a Python function name",
                            "ko": "{name!r}은(는) 파이썬 함수 이름이 아닙니다"},
    "usage.unknown-assignment-new": {
        "en": "unknown assignment {assignment!r}; course.yaml has {known} (a new one: "
              "`autograder new-assignment {assignment}` first)",
        "ko": "없는 과제 {assignment!r}: course.yaml의 과제는 {known}입니다 (새 과제라면 먼저 "
              "`autograder new-assignment {assignment}`)",
    },
    "usage.function-exists": {"en": "{name} is already in course.yaml (assignment '{assignment}')",
                              "ko": "{name}은(는) 이미 course.yaml에 있습니다 (과제 '{assignment}')"},
    "usage.through-unknown": {"en": "--through {through}: not a graded function in course.yaml",
                              "ko": "--through {through}: course.yaml의 채점 함수가 아닙니다"},
    "usage.through-backward": {
        "en": "--through {through}: it is itself graded through {other}; a backward goes through a forward",
        "ko": "--through {through}: 이 함수 자체가 {other}을(를) 거쳐 채점됩니다. 역전파 함수는 순전파 함수를 "
              "거쳐야 합니다",
    },
    "usage.arg-source-of": {
        "en": "--arg {name}: like:/from: name an output of the --through forward ({outputs})",
        "ko": "--arg {name}: like:/from:에는 --through 순전파 함수의 출력({outputs})을(를) 쓰세요",
    },
    "usage.arg-source-none": {
        "en": "--arg {name}: like:/from: name an output of the --through forward; give --through FORWARD",
        "ko": "--arg {name}: like:/from:에는 --through 순전파 함수의 출력을 씁니다. --through FORWARD을(를) 주세요",
    },
    "usage.args-repeat": {"en": "argument names repeat: {names}", "ko": "인자 이름이 겹칩니다: {names}"},
    "usage.returns-none-graded": {"en": "--returns: at least one output besides the cache must be graded",
                                  "ko": "--returns: cache 말고 채점할 출력이 적어도 하나 있어야 합니다"},
    "usage.points-form": {"en": "--points {entry!r}: write OUTPUT=POINTS, e.g. {example}=2",
                          "ko": "--points {entry!r}: OUTPUT=POINTS 형식으로 쓰세요. 예: {example}=2"},
    "usage.points-output": {"en": "--points {entry!r}: {output} is not a graded output ({graded})",
                            "ko": "--points {entry!r}: {output}은(는) 채점되는 출력({graded})이(가) 아닙니다"},
    "usage.dim-twice": {"en": "--dim {size} is given twice", "ko": "--dim {size}이(가) 두 번 주어졌습니다"},
    "usage.course-empty": {"en": "course.yaml is empty", "ko": "course.yaml이(가) 비어 있습니다"},
    "usage.no-reference-for": {
        "en": "{path}: no reference package beside course.yaml to add {function} to",
        "ko": "{path}: {function}을(를) 추가할 참조 구현 패키지가 course.yaml 옆에 없습니다",
    },
    "usage.no-reference": {"en": "{path}: no reference package beside course.yaml",
                           "ko": "{path}: course.yaml 옆에 참조 구현 패키지가 없습니다"},
    "usage.cell-id-clash": {
        "en": "{path}: cell id {cell} exists already; is {function} in the notebook under another name?",
        "ko": "{path}: 셀 id {cell}이(가) 이미 있습니다. {function}이(가) 다른 이름으로 노트북에 있나요?",
    },
    "usage.no-solutions-for": {
        "en": "{path}: no solutions notebook for '{assignment}'; `autograder new-assignment` writes the skeleton "
              "of a new assignment's (docs/NOTEBOOKS.md, 'Adding an assignment')",
        "ko": "{path}: '{assignment}'의 솔루션 노트북이 없습니다. 새 과제의 뼈대는 `autograder new-assignment`이(가) "
              "씁니다 (docs/NOTEBOOKS.md, 'Adding an assignment')",
    },
    "usage.entry-invalid": {
        "en": "the new entry would make course.yaml invalid:\n{problems}{hint}",
        "ko": "새 항목을 넣으면 course.yaml이(가) 올바르지 않게 됩니다:\n{problems}{hint}",
    },
    "usage.hint-own-dim": {
        "en": "\n(a size of this function's own: --dim NAME=LOW,HIGH, e.g. --dim Tq=2,5)",
        "ko": "\n(이 함수만의 크기라면: --dim NAME=LOW,HIGH, 예: --dim Tq=2,5)",
    },
    "usage.assignment-id": {
        "en": "{aid!r} is not an assignment id: lower-case letters, digits and _, a letter first (it names the "
              "folders solutions/ID and exercises/ID)",
        "ko": "{aid!r}은(는) 과제 id이(가) 될 수 없습니다: 영문 소문자, 숫자, _만 쓰고 영문자로 시작하세요 "
              "(solutions/ID과(와) exercises/ID 폴더의 이름이 됩니다)",
    },
    "usage.assignment-exists": {"en": "assignment '{aid}' is already in course.yaml",
                                "ko": "과제 '{aid}'은(는) 이미 course.yaml에 있습니다"},
    "usage.notebook-name": {"en": "--notebook {notebook!r}: a file name ending in .ipynb, e.g. {aid}.ipynb",
                            "ko": "--notebook {notebook!r}: .ipynb(으)로 끝나는 파일 이름이어야 합니다. 예: {aid}.ipynb"},
    "usage.minutes": {"en": "--minutes {minutes}: a notebook takes 30 to 180 minutes (split a longer one)",
                      "ko": "--minutes {minutes}: 노트북 하나는 30~180분이어야 합니다 (더 길면 나누세요)"},
    "usage.assignments-inline": {
        "en": "course.yaml's assignments list is empty or written inline; add the entry by hand: "
              "- {{id: ID, notebook: ID.ipynb, title: ..., title_ko: ...}}",
        "ko": "course.yaml의 assignments 목록이 비었거나 한 줄로 쓰여 있습니다. 항목을 손으로 넣으세요: "
              "- {{id: ID, notebook: ID.ipynb, title: ..., title_ko: ...}}",
    },
    "usage.bundle-import": {
        "en": "{where}: `import {module}` of a bundled module; import names from it instead",
        "ko": "{where}: 번들에 들어가는 모듈을 `import {module}`(으)로 가져옵니다. 그 모듈에서 이름을 가져오세요",
    },
    "usage.bundle-no-messages": {"en": "{where}: no `MESSAGES = {{...}}` literal to cut down",
                                 "ko": "{where}: 줄여 넣을 `MESSAGES = {{...}}` 리터럴이 없습니다"},
    "usage.bundle-tokenize": {"en": "{where}: cannot be bundled (does not tokenize after stripping)",
                              "ko": "{where}: 번들로 묶을 수 없습니다 (정리한 뒤 토큰으로 나눌 수 없음)"},
    "usage.bundle-clash": {
        "en": "`{name}` is bound in both {first} and {where}: rename one (they share one namespace in "
              "rnnlab_check.py)",
        "ko": "`{name}`이(가) {first}과(와) {where} 양쪽에서 정의됩니다: 하나의 이름을 바꾸세요 "
              "(rnnlab_check.py에서는 한 이름 공간을 씁니다)",
    },
    "usage.bundle-foreign": {
        "en": "{file} would import {modules}: the student's self-check may import only numpy and the standard "
              "library",
        "ko": "{file}이(가) {modules}을(를) import하게 됩니다: 학생용 자가 점검은 numpy과(와) 표준 라이브러리만 "
              "import할 수 있습니다",
    },
    "usage.gradescope-failure": {
        "en": "this submission was not graded, and no results.json was written, so Gradescope reports an autograder "
              "failure instead of a score (the student does not get 0). Cause: {cause}. Fix the autograder image "
              "(docs/ECOSYSTEM.md, Gradescope; 'Test Autograder' shows this text), then use 'Regrade All "
              "Submissions'.",
        "ko": "이 제출물은 채점되지 않았고 results.json도 쓰지 않았으므로, Gradescope은(는) 점수 대신 autograder 실패를 "
              "보고합니다 (학생이 0점을 받지 않습니다). 원인: {cause}. autograder 이미지를 고친 뒤(docs/ECOSYSTEM.md, "
              "Gradescope. 'Test Autograder'에 이 글이 보입니다) 'Regrade All Submissions'을(를) 실행하세요.",
    },
    "usage.does-not-compile": {"en": "{path}: does not compile", "ko": "{path}: 컴파일되지 않습니다"},
    "usage.mistake-id": {
        "en": "{id!r} is not a mistake id: lower-case words joined by '-', e.g. embedding-backward-overwrites",
        "ko": "{id!r}은(는) 실수 id이(가) 될 수 없습니다: 영문 소문자 낱말을 '-'(으)로 이으세요. 예: embedding-backward-overwrites",
    },
    "usage.mistake-function": {
        "en": "'{function}' is not a graded function of course.yaml; `autograder new-function` adds one",
        "ko": "'{function}'은(는) course.yaml의 채점 함수가 아닙니다. `autograder new-function`(으)로 추가하세요",
    },
    "usage.catalogue-does-not-load": {
        "en": "{path}: the catalogue of mistakes does not load ({detail})",
        "ko": "{path}: 실수 목록을 불러올 수 없습니다 ({detail})",
    },
    "usage.wording-invalid": {"en": "fix reference/mistakes.yaml first:\n{problems}",
                              "ko": "reference/mistakes.yaml부터 고치세요:\n{problems}"},
    "usage.mistake-exists": {"en": "mistake '{id}' exists already; choose another id",
                             "ko": "실수 '{id}'은(는) 이미 있습니다. 다른 id을(를) 고르세요"},
    "usage.mistake-no-reference": {
        "en": "the reference does not define {function}; write it first (autograder validate says how)",
        "ko": "참조 구현에 {function}이(가) 없습니다. 먼저 작성하세요 (방법은 autograder validate이(가) 알려 줍니다)",
    },
    "usage.mistake-not-in-module": {"en": "{function} is not defined in a module of the reference package",
                                    "ko": "{function}이(가) 참조 구현 패키지의 모듈에 정의되어 있지 않습니다"},
    "usage.mistake-target": {
        "en": "--target {target}: not a graded item (FUNCTION.OUTPUT); {function}'s are: {items}",
        "ko": "--target {target}: 채점 항목(FUNCTION.OUTPUT)이(가) 아닙니다. {function}의 항목: {items}",
    },
    "usage.catalogue-no-tuple": {
        "en": "{path}: no `CATALOGUE = (...)` tuple spanning lines to add the mistake to",
        "ko": "{path}: 실수를 추가할 여러 줄짜리 `CATALOGUE = (...)` 튜플이 없습니다",
    },
    "usage.catalogue-no-helpers": {
        "en": "{path}: new-mistake writes with its helpers _sig and _m, which it does not define",
        "ko": "{path}: new-mistake은(는) 도우미 함수 _sig과(와) _m(으)로 쓰는데, 이 파일에 정의되어 있지 않습니다",
    },
    "usage.catalogue-closing": {
        "en": "{path}:{line}: end the CATALOGUE tuple with ')' on a line of its own",
        "ko": "{path}:{line}: CATALOGUE 튜플은 ')'만 있는 줄로 끝내세요",
    },
    "usage.wording-append": {
        "en": "{path}: the entry cannot be appended (the file must end with the block `mistakes:` whose entries "
              "are indented by two spaces)",
        "ko": "{path}: 항목을 덧붙일 수 없습니다 (파일은 항목이 두 칸 들여쓰인 `mistakes:` 블록으로 끝나야 합니다)",
    },
    "cli.next-mistake": {
        "en": "next: write {code_name} in reference/mutants.py and every TODO of '{id}' in reference/mistakes.yaml, "
              "then\n  autograder release {assignment} && autograder validate --assignment {assignment}",
        "ko": "다음: reference/mutants.py에 {code_name}을(를) 작성하고 reference/mistakes.yaml의 '{id}'에 있는 TODO을(를) "
              "모두 채운 뒤\n  autograder release {assignment} && autograder validate --assignment {assignment}",
    },
    "usage.assignment-folder-exists": {
        "en": "{path} exists already; pick another id, or add its entry to course.yaml by hand",
        "ko": "{path}이(가) 이미 있습니다. 다른 id을(를) 고르거나 course.yaml에 항목을 손으로 넣으세요",
    },
}

STATUS_LABEL = {"passed": "status.passed", "failed": "status.failed", "error": "status.error",
                "missing": "status.missing-short", "timeout": "status.timeout-short"}


# What the sandbox and its worker write into a reply's ``detail`` (box.py, worker.py, score.py),
# as the message that says it in every language.  Any other detail is the student's code's
# (an exception message) or the system's, and is shown as written.
DETAILS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"the outputs are too large \((?P<size>\d+) bytes; the limit is (?P<limit>\d+)\)"), "detail.too-large"),
    (re.compile(r"the outputs are too large \((?P<size>\d+) bytes of structure and keys; the limit is (?P<limit>\d+)\)"),
     "detail.too-large-structure"),
    (re.compile(r"an object of type (?P<type>\S+)"), "detail.object-of-type"),
    (re.compile(r"invalid reply from the worker(?P<why>( \(.*\))?)"), "detail.invalid-reply"),
    (re.compile(r"the sandbox did not answer in time; it was killed and will be restarted"), "detail.sandbox-slow"),
    (re.compile(r"the sandbox died \((?P<why>.*?)\)(?P<rest>.*)", re.S), "detail.sandbox-died"),
    (re.compile(r"reloading the unit failed: (?P<why>.*)", re.S), "detail.reload-failed"),
)


def translated_detail(detail: str, language: str) -> str:
    """``detail`` in ``language`` if the grader's own sandbox wrote it, else as it is."""
    if language == "en":
        return detail
    for pattern, code in DETAILS:
        match = pattern.fullmatch(detail)
        if match and code in MESSAGES:  # a bundle may carry only some of the messages
            return render(code, language, **match.groupdict(default=""))
    return detail


class Nested:
    """A message used as a parameter of another; rendered in the outer message's language."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, params


def render_markdown(code: str, language: str, escape, params: dict, trusted=lambda text: text) -> str:
    """The message ``code`` as Markdown: the template's own text (its `code` spans included) as
    written (through ``trusted``, e.g. a table cell's pipes), each parameter made inert by
    ``escape(text, in_code)``; ``in_code`` says whether the template puts the parameter inside
    a code span.  Particles are chosen on the plain text."""
    templates = MESSAGES[code]
    template = templates.get(language) or templates["en"]
    plain, markdown, in_code = "", [], False
    for literal, field, spec, conversion in string.Formatter().parse(template):
        text = fill_particles(literal, plain)
        plain += text
        markdown.append(trusted(text))
        in_code ^= literal.count("`") % 2 == 1
        if field is None:
            continue
        value = params[field]
        if isinstance(value, Nested):
            shown = render(value.code, language, **value.params)
            markdown.append(render_markdown(value.code, language, escape, value.params, trusted))
        else:
            value = bounded(value)
            if field == "detail" and isinstance(value, str):
                value = translated_detail(value, language)
            if conversion:
                value = repr(value) if conversion == "r" else str(value) if conversion == "s" else ascii(value)
            shown = format(value, spec or "")
            markdown.append(escape(shown, in_code))
        plain += shown
    return _clip("".join(markdown), MAX_TEXT)


def render(code: str, language: str, **params) -> str:
    """The message ``code`` in ``language`` with ``params`` filled in (bounded: :func:`bounded`, :data:`MAX_TEXT`)."""
    templates = MESSAGES[code]
    template = templates.get(language) or templates["en"]
    params = {k: render(v.code, language, **v.params) if isinstance(v, Nested) else bounded(v)
              for k, v in params.items()}
    if isinstance(params.get("detail"), str):
        params["detail"] = translated_detail(params["detail"], language)
    return _clip(fill_particles(template.format(**params)), MAX_TEXT)

