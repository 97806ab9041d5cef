"""The project's docs stand alone and stay true: no link leaves the repository, every test that
docs/rules.md names exists, and every "RULES §n" of the code is a section of docs/rules.md."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "miniprogram" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RULES = ROOT / "docs" / "rules.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_link_points_outside_the_repository(doc):
    text = doc.read_text()
    assert "../shared" not in text
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:", "#")):
            continue  # a web address is not a file of a clone; the product's pages name only public docs
        path = (doc.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{doc.name}: {target} leaves the repository"
        assert path.exists(), f"{doc.name}: {target} does not exist"


def test_every_test_the_rules_name_exists():
    references = re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", RULES.read_text())
    assert len(references) > 300
    missing = []
    for path, name in set(references):
        source = ROOT / path
        if not source.exists() or not re.search(rf"^def {name}\(", source.read_text(), re.M):
            missing.append(f"{path}::{name}")
    assert sorted(missing) == []


def test_every_rules_section_the_code_cites_is_in_the_rules():
    sections = set(re.findall(r"^##+ (§\d+(?:\.\d+)?)[. ]", RULES.read_text(), re.M))
    assert {f"§{n}" for n in range(1, 17)} <= sections
    cited = set()
    for path in ROOT.rglob("*.py"):
        if any(part in {".venv", "node_modules", "var"} for part in path.parts):
            continue
        for match in re.finditer(r"(?:RULES|docs/rules\.md) (§\d+(?:\.\d+)?)", path.read_text()):
            cited.add(match.group(1))
    assert cited and sorted(cited - sections) == []
