"""Domain code imports only the standard library and the project's own domain helpers."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_FILES = sorted(
    [
        *ROOT.glob("services/*/domain/**/*.py"),
        *ROOT.glob("shared/domain/**/*.py"),
        ROOT / "shared/events/envelope.py",
    ]
)
ALLOWED_PROJECT = ("shared.domain", "shared.events.envelope", "services.")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_there_is_domain_code_to_check():
    assert len(DOMAIN_FILES) >= 4


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_module_imports_no_infrastructure(path):
    for module in imported_modules(path):
        top = module.split(".")[0]
        if top in sys.stdlib_module_names or module == "__future__":
            continue
        assert module.startswith(ALLOWED_PROJECT), f"{path.name} imports {module}"
        if module.startswith("services."):
            assert ".domain" in module, f"{path.name} imports {module}"
