"""Every Chinese text of runtime and admin code lives in a `messages.py` (the app's own or core's), so
the code refers to a named constant and the texts can be reviewed in one place per app.

Read with `ast`, not by importing, so comments never count. Exempt, as documented in the brief of the
move: docstrings and comments (they quote the rules), `help_text=` values (API documentation), and the
files that hold texts on purpose: messages.py itself, models.py and apps.py (verbose names and choice
labels are schema metadata tracked by migrations), migrations, seed_demo.py (demo data) and
core/schema.py (OpenAPI descriptions).
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ["accounts", "backoffice", "compensation", "core", "courses", "flows", "makeup", "notifications", "waitlist"]
EXEMPT_NAMES = {"messages.py", "models.py", "apps.py", "seed_demo.py"}
EXEMPT_PATHS = {"core/schema.py"}
# Ideographs, and the full-width punctuation (，：（）) that only Chinese text uses.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60]")


def checked_files(root: Path = ROOT) -> list[Path]:
    files = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if "migrations" in path.relative_to(root).parts:
                continue
            if path.name in EXEMPT_NAMES or relative in EXEMPT_PATHS:
                continue
            files.append(path)
    return files


def _exempt_nodes(tree: ast.AST) -> set[int]:
    """ids of the string nodes that may hold Chinese: docstrings and everything inside help_text=."""
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                exempt.add(id(body[0].value))
        elif isinstance(node, ast.keyword) and node.arg == "help_text":
            exempt.update(id(inner) for inner in ast.walk(node.value))
    return exempt


def chinese_literals(source: str, name: str) -> list[str]:
    """`name:line` of every string constant (f-string parts included) with a CJK character."""
    tree = ast.parse(source, filename=name)
    exempt = _exempt_nodes(tree)
    found = {
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and CJK.search(node.value)
        and id(node) not in exempt
    }
    return [f"{name}:{line}: {value!r}" for line, value in sorted(found)]


def test_the_checker_finds_literals_and_skips_exempt_text():
    source = '''
"""模块说明"""
from rest_framework import serializers


class Output(serializers.Serializer):
    """类说明"""

    button = serializers.CharField(help_text="仅详情: 加入候补")
    note = serializers.CharField(help_text=f"{1}: 已候补")


def f(count):
    """函数说明"""
    # 注释
    label = "已满员"
    return f"{label}：{count} 个" + "（）"
'''
    found = chinese_literals(source, "sample.py")
    # f-string parts one by one: the full-width colon and the ideograph; punctuation alone counts too.
    assert [where.split(": ")[0] for where in found] == ["sample.py:16"] + ["sample.py:17"] * 3


def test_the_checked_files_cover_the_apps_and_skip_the_exempt_ones():
    files = {path.relative_to(ROOT).as_posix() for path in checked_files()}
    assert "backoffice/admin_views.py" in files
    assert "core/admin_actions.py" in files
    assert "waitlist/services/offers.py" in files
    assert not {"core/schema.py", "waitlist/models.py", "core/messages.py", "courses/apps.py"} & files
    assert not any("/migrations/" in path or path.endswith("seed_demo.py") for path in files)


@pytest.mark.parametrize("app", APPS)
def test_no_chinese_literal_outside_messages(app):
    found = []
    for path in checked_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative.split("/")[0] == app:
            found += chinese_literals(path.read_text(encoding="utf-8"), relative)
    assert not found, "Chinese text belongs in messages.py (the app's or core's):\n" + "\n".join(found)
