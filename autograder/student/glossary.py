"""The one glossary: every Korean and English term a student reads, and Korean particles.

Owns the course's vocabulary.  The notebooks (solutions/*/*.ipynb), every message of
messages.py and every explanation of a recognised mistake (mistakes.py) use these terms;
tests/student/test_glossary.py fails when a student-facing text uses a variant listed in
``avoid`` or a gate or state name that is not a term here.  The Korean terms follow the
lecture (12강): 망각/입력/출력 게이트, 갱신/리셋 게이트, 시점, 기울기, 매개변수.  Where
밑바닥부터 시작하는 딥러닝 2 (밑바닥2) names a concept otherwise (기울기 소실, 기억 셀, forget 게이트,
Truncated BPTT, 시각), the term carries the book's word (``book``): a text may write it once, in
parentheses right after the term (:meth:`Term.book_note`), and nowhere else.

It also fills Korean particle templates after a substituted word: ``{function}이(가)``
becomes ``rnn_backward가``, ``{count}개의 값을(를)`` ``…값을``.  Standard library only
(this module ships to students with messages.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

__all__ = ["Term", "TERMS", "TERM_BY_EN", "LATIN_IN_KO", "without_book_notes", "PARTICLES", "fill_particles", "final_sound", "forbidden_uses",
           "KO_TERMS", "EN_TERMS"]


@dataclass(frozen=True)
class Term:
    ko: str
    en: str
    avoid_ko: tuple[str, ...] = ()  # regular expressions of variants students must not meet
    avoid_en: tuple[str, ...] = ()
    book: tuple[str, ...] = ()  # the Korean word 밑바닥부터 시작하는 딥러닝 2 uses, if it differs

    def book_note(self) -> str:
        """The term with the book's word, as a text may write it once so that the book's readers
        find it: ``기울기 소멸(밑바닥2: 기울기 소실)``."""
        return f"{self.ko}(밑바닥2: {', '.join(self.book)})" if self.book else self.ko


TERMS: tuple[Term, ...] = (
    Term("순환 신경망", "recurrent neural network"),
    Term("은닉 상태", "hidden state", avoid_ko=("히든 스테이트", "은닉상태")),
    Term("셀 상태", "cell state", avoid_ko=("셀상태", "셀 스테이트"), book=("기억 셀",)),
    Term("망각 게이트", "forget gate", avoid_ko=("포겟 게이트", "잊음 게이트"), book=("forget 게이트",)),
    Term("입력 게이트", "input gate", book=("input 게이트",)),
    Term("출력 게이트", "output gate", book=("output 게이트",)),
    Term("갱신 게이트", "update gate", avoid_ko=("업데이트 게이트",), book=("update 게이트",)),
    Term("리셋 게이트", "reset gate", avoid_ko=("재설정 게이트",), book=("reset 게이트",)),
    Term("후보", "candidate", book=("새로운 기억 셀",)),
    Term("시점", "time step", avoid_ko=("시간 스텝", "시간 단계", "타임 ?스텝", r"(?<![가-힣])스텝"),
         avoid_en=("timestep",), book=("시각",)),
    Term("순전파", "forward pass"),
    Term("역전파", "backward pass"),
    Term("시간 역전파", "backpropagation through time"),
    Term("잘린 BPTT", "truncated BPTT", avoid_ko=(r"(?<![`\w])TBPTT(?![`A-Za-z0-9_])", "절단된 BPTT", "절단 BPTT"),
         avoid_en=(r"(?<![`\w])TBPTT(?![`\w])",), book=("Truncated BPTT",)),
    Term("기울기", "gradient", avoid_ko=("그래디언트", "그라디언트", "경사(?! 하강법)")),
    Term("경사 하강법", "gradient descent"),
    Term("기울기 소멸", "vanishing gradient", book=("기울기 소실",)),
    Term("기울기 폭발", "exploding gradient"),
    Term("기울기 클리핑", "gradient clipping"),
    Term("노름 클리핑", "norm clipping"),
    Term("값 클리핑", "value clipping"),
    Term("기울기 검사", "gradient check"),
    Term("수치 기울기", "numerical gradient"),
    Term("상대 오차", "relative error"),
    Term("참조 구현", "reference implementation"),
    Term("가중치", "weight"),
    Term("편향", "bias", avoid_ko=("바이어스",)),
    Term("매개변수", "parameter", avoid_ko=("파라미터",)),
    Term("항", "term"),  # of a sum: "순환 항", "편향 항"
    Term("계수", "factor"),  # of a product; 인자 reads as a function's argument
    Term("인자", "argument"),  # of a function call only
    Term("활성화 함수", "activation function", avoid_ko=("활성 함수", "활성함수")),
    Term("활성화 전 값", "pre-activation"),
    Term("행렬곱", "matrix product", avoid_ko=("행렬 곱(?!셈)",)),
    Term("전치", "transpose"),
    Term("야코비안", "Jacobian", avoid_ko=("자코비안", "야코비 행렬"), avoid_en=("jacobian",)),
    Term("스펙트럼 노름", "spectral norm"),
    Term("프로베니우스 노름", "Frobenius norm"),
    Term("전역 노름", "global norm"),
    Term("손실", "loss"),
    Term("배치", "batch"),
    Term("임베딩", "embedding"),
    Term("마스크", "mask"),
    Term("다층 RNN", "stacked RNN"),
    Term("양방향 RNN", "bidirectional RNN"),
    Term("인코더", "encoder"),
    Term("디코더", "decoder"),
    Term("셀", "cell"),
    Term("케이스", "case"),
    Term("PyTorch", "PyTorch", avoid_ko=(r"(?<![`\"'=:_\w])pytorch(?![`\"'_\w])", "Pytorch", "파이토치"),
         avoid_en=(r"(?<![`\"'=:_\w])pytorch(?![`\"'_\w])", "Pytorch")),
)

# Latin words a Korean text may use as they are: names of functions, libraries and formats, and
# words the lecture itself writes in Latin letters.  Besides these, a Korean text holds only
# code (in backticks, or a name of the course's functions, arguments and outputs), acronyms,
# variables (one or two letters, or mixed case: Wh, dWx) and figure labels in quotes (“yours”).
LATIN_IN_KO = frozenset({
    "shape", "dtype", "docstring", "cache", "softmax", "sigmoid", "tanh", "exp", "log", "inf", "diag",
    "float", "numpy", "np", "torch", "nn", "utils", "linalg", "norm", "svd", "sqrt", "onehot", "range",
    "reversed", "sum", "axis", "grads", "values", "zeros", "clip", "add", "at", "compute_uv", "Adam",
    "sin", "cos", "max", "min", "mean", "eps", "lr", "beta", "hat",
    "Returns",  # a docstring's section
})

KO_TERMS = frozenset(t.ko for t in TERMS)
TERM_BY_EN = {t.en: t for t in TERMS}
EN_TERMS = frozenset(t.en for t in TERMS)


# The book's word is avoided like any variant, except right after its term in parentheses,
# where it is there for the book's readers: "기울기 소멸(밑바닥2: 기울기 소실)", "망각 게이트(forget 게이트)".
_BOOK_WORD = r"(?<![가-힣]){}(?![화적])"  # "시각" (time) is the book's word, "시각화" is not


def without_book_notes(text: str) -> str:
    """``text`` with every book note blanked out (same length, so positions stay)."""
    for term in TERMS:
        for word in term.book:
            note = re.escape(term.ko) + r"\s?\((?:밑바닥2:\s*)?" + re.escape(word) + r"\)"
            text = re.sub(note, _keep_term(term.ko), text)
    return text


def _keep_term(ko: str) -> Callable[[re.Match[str]], str]:
    """A replacement for a book note: the term ``ko``, then blanks to the note's length."""
    return lambda match: ko + " " * (len(match.group(0)) - len(ko))


def forbidden_uses(text: str, language: str) -> list[tuple[str, str]]:
    """(variant found, the glossary term to use instead) for every avoided variant in ``text``:
    a listed variant, or (Korean) the book's word outside a book note."""
    found: list[tuple[int, str, str]] = []
    covered: set[int] = set()
    if language == "ko":
        text = without_book_notes(text)
    for term in TERMS:
        book = tuple(_BOOK_WORD.format(re.escape(w)) for w in term.book) if language == "ko" else ()
        for pattern in (term.avoid_ko + book if language == "ko" else term.avoid_en):
            for match in re.finditer(pattern, text):
                span = set(range(match.start(), match.end()))
                if span & covered:  # "시간 스텝" is one variant, not also "스텝"
                    continue
                covered |= span
                found.append((match.start(), match.group(0), term.ko if language == "ko" else term.en))
    return [(variant, term) for _, variant, term in sorted(found)]


# ------------------------------------------------------------------ Korean particles
#
# A template is written right after a substituted word: "{function}이(가)".  The particle
# is chosen by the final sound of the word before it: a Hangul syllable by its 받침; a digit
# as read in Korean (0 영, 1 일, 3 삼, 6 육, 7 칠, 8 팔 end in a consonant); a Latin word as
# commonly read: one letter by its name (l 엘, m 엠, n 엔, r 알 end in a consonant), a
# word ending in m, n, ng or l with a consonant (…tion, …ing, model), or in a short vowel +
# k/p/t (stack, step, set), and otherwise with a vowel (shape, backward, dtype, Wh).
# Closing quotes, backticks and brackets are skipped: "`next_c`이(가)" reads next_c; a
# parenthesis right after a Korean word glosses it: "규약(h @ Wh)을(를)" reads 규약.

PARTICLES: dict[str, tuple[str, str]] = {  # template -> (after a consonant, after a vowel)
    "이(가)": ("이", "가"),
    "을(를)": ("을", "를"),
    "은(는)": ("은", "는"),
    "과(와)": ("과", "와"),
    "와(과)": ("과", "와"),
    "으로(로)": ("으로", "로"),
    "(으)로": ("으로", "로"),
    "이다(다)": ("이다", "다"),
    "이나(나)": ("이나", "나"),
}
_TEMPLATE = re.compile("|".join(re.escape(t) for t in sorted(PARTICLES, key=len, reverse=True)))
_SKIP = "`'\"’”)]}*_ "
_LETTER_NAMES_WITH_CODA = {"l": "ㄹ", "m": "ㅁ", "n": "ㄴ", "r": "ㄹ"}
_DIGIT_CODA = {"0": "ㅇ", "1": "ㄹ", "3": "ㅁ", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ"}
_SIGN_CODA = {"²": "ㅂ", "³": "ㅂ", "′": "ㅁ"}  # 제곱, 세제곱, 프라임: "1 − c²은" reads 제곱은
_VOWELS = "aeiouy"


def _latin_coda(word: str) -> str | None:
    w = word.lower()
    if len(w) == 1:
        return _LETTER_NAMES_WITH_CODA.get(w)
    if w.endswith("ng"):
        return "ㅇ"
    if w[-1] in "mn":
        return "ㅁ" if w[-1] == "m" else "ㄴ"
    if w[-1] == "l":
        return "ㄹ"
    if w[-1] in "kpt" and w[-2] in _VOWELS and (len(w) < 3 or w[-3] not in _VOWELS):
        return {"k": "ㄱ", "p": "ㅂ", "t": "ㅅ"}[w[-1]]
    return None


def _glossed(text: str) -> str | None:
    """The Korean word a closing parenthesis glosses, as in "규약(h @ Wh)": the particle after
    it agrees with 규약, not with what the parentheses hold; None if ``text`` is no such gloss."""
    stripped = text.rstrip(" ")
    if not stripped.endswith(")"):
        return None
    depth = 0
    for i in range(len(stripped) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(stripped[i], 0)
        if depth == 0:
            before = stripped[:i]
            return before if before and "가" <= before[-1] <= "힣" else None
    return None


def final_sound(text: str) -> str | None:
    """The final consonant (받침) of the word ``text`` ends with, or None after a vowel."""
    glossed = _glossed(text)
    if glossed is not None:
        text = glossed
    stripped = text.rstrip(_SKIP)
    if not stripped:
        return None
    last = stripped[-1]
    if "가" <= last <= "힣":
        coda = (ord(last) - 0xAC00) % 28
        return None if coda == 0 else ("ㄹ" if coda == 8 else "ㄱ")  # only ㄹ matters beyond yes/no
    if last in _SIGN_CODA:
        return _SIGN_CODA[last]
    if last.isdigit():
        return _DIGIT_CODA.get(last)
    if last.isascii() and last.isalpha():
        word = re.search(r"[A-Za-z]+$", stripped)
        assert word is not None  # the last character is a Latin letter
        return _latin_coda(word.group(0))
    return None


def _choose(template: str, before: str) -> str:
    after_consonant, after_vowel = PARTICLES[template]
    coda = final_sound(before)
    if template in ("으로(로)", "(으)로") and coda == "ㄹ":
        return after_vowel  # 로 after ㄹ: "레이블로"
    return after_consonant if coda else after_vowel


def fill_particles(text: str, before: str = "") -> str:
    """``text`` with every particle template replaced by the particle the word before takes;
    ``before`` is the text that precedes ``text`` where it is shown (a message built in pieces)."""
    out, last = [], 0
    for match in _TEMPLATE.finditer(text):
        out.append(text[last:match.start()])
        out.append(_choose(match.group(0), before + "".join(out)))
        last = match.end()
    out.append(text[last:])
    return "".join(out)
