"""docs/MISTAKES.md is generated from the catalogue and must stay in sync with it."""
from pathlib import Path

from autograder.authoring.catalogue import catalogue_markdown
from autograder.grading.diagnose import GENERIC
from reference.mutants import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]


def test_mistakes_md_is_in_sync():
    expected = catalogue_markdown(ROOT)
    actual = (ROOT / "docs" / "MISTAKES.md").read_text(encoding="utf-8")
    assert actual == expected, ("docs/MISTAKES.md is stale; regenerate: python -c \"from autograder.authoring.catalogue "
                                "import catalogue_markdown; print(catalogue_markdown(), end='')\" > docs/MISTAKES.md")
    for i in [m.id for m in CATALOGUE] + list(GENERIC):
        assert f"`{i}`" in actual


def test_mistakes_md_reads_as_students_read():
    """Particles filled as the feedback fills them; the glossary with 밑바닥2's words."""
    text = catalogue_markdown(ROOT)
    assert "이(가)" not in text and "을(를)" not in text and "(으)로" not in text
    assert "| 기울기 소멸 | vanishing gradient | 기울기 소실 |" in text
    assert "| 잘린 BPTT | truncated BPTT | Truncated BPTT |" in text
