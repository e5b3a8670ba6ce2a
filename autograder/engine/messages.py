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

from autograder.engine.glossary import fill_particles

LANGUAGES = ("ko", "en")

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
