"""The house's rules, read from the source: which room may import which.

Every `import` and `from ... import` is read, at any depth (inside functions too), so an
import placed in a function to dodge the rule is caught as well.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_modules() -> dict[str, Path]:
    found = {}
    for package in ("kiosk", "hardware"):
        for path in (ROOT / package).rglob("*.py"):
            found[module_name(path)] = path
    return found


MODULES = product_modules()


@cache
def imports_of(module: str) -> frozenset[str]:
    """The modules `module` names in an import statement, resolved to full names."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return names_imported(path.read_text(encoding="utf-8"), package)


def names_imported(source: str, package: str) -> frozenset[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(names)


def project_imports(module: str) -> set[str]:
    return {name for name in imports_of(module) if name in MODULES}


@cache
def reachable(module: str) -> frozenset[str]:
    """`module` and every project module it imports, directly or through others."""
    seen, todo = {module}, [module]
    while todo:
        for name in project_imports(todo.pop()):
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return frozenset(seen)


def in_room(module: str, room: str) -> bool:
    return module == room or module.startswith(room + ".")


def test_the_rules_see_every_room():
    rooms = {"kiosk.safety", "kiosk.walk", "kiosk.log", "kiosk.screens", "kiosk.cli", "kiosk.web"}
    assert rooms <= set(MODULES)
    assert any(in_room(m, "hardware") for m in MODULES)


def test_hardware_imports_nothing_of_the_kiosk():
    for module in (m for m in MODULES if in_room(m, "hardware")):
        wrong = [name for name in imports_of(module) if in_room(name, "kiosk")]
        assert not wrong, f"{module} imports {wrong}"


@pytest.mark.parametrize(
    "room",
    ["kiosk.safety", "kiosk.walk", "kiosk.log", "kiosk.vocabulary", "kiosk.report", "kiosk.web"],
)
def test_the_core_rooms_need_no_pygame_and_no_screens(room):
    for module in (m for m in MODULES if in_room(m, room)):
        for used in reachable(module):
            names = imports_of(used)
            assert not any(in_room(n, "pygame") for n in names), f"{module} -> {used}: pygame"
            screens = [n for n in names if in_room(n, "kiosk.screens") or in_room(n, "kiosk.sim")]
            assert not screens, f"{module} -> {used} imports {screens}"


def test_the_log_never_imports_the_report():
    """The report reads the log; the USB export is handed its reports by bootstrap."""
    for module in (m for m in MODULES if in_room(m, "kiosk.log")):
        wrong = [name for name in reachable(module) if in_room(name, "kiosk.report")]
        assert not wrong, f"{module} reaches {wrong}"


def test_only_the_command_line_imports_the_wiring_point():
    for module in MODULES:
        if module == "kiosk.bootstrap" or in_room(module, "kiosk.cli"):
            continue
        assert "kiosk.bootstrap" not in imports_of(module), f"{module} imports kiosk.bootstrap"


def test_the_rules_catch_a_breach():
    """A rule that cannot fail is no rule: imports inside functions, and relative ones, count."""
    source = "def late():\n    from ..bootstrap import build_kiosk\n    import pygame.mixer\n"
    names = names_imported(source, "kiosk.walk")
    assert "kiosk.bootstrap" in names and "pygame.mixer" in names
