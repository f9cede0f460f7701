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


# The reporting service's read side (README, Architecture): queries/ are plain functions over
# the read models, with no HTTP in them; api/ views parse, call a query and serialise.
QUERY_FILES = sorted(ROOT.glob("services/reporting/queries/**/*.py"))
VIEW_FILES = sorted(ROOT.glob("services/reporting/api/**/*.py"))
WEB = ("flask", "flask_smorest", "werkzeug", "marshmallow", "markupsafe", "jinja2")
READS = {"find", "find_one", "count_documents", "aggregate", "distinct"}


def called_methods(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }


def test_there_are_reporting_queries_and_views_to_check():
    assert len(QUERY_FILES) >= 6 and len(VIEW_FILES) >= 6


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_reporting_queries_import_no_flask(path):
    for module in imported_modules(path):
        assert module.split(".")[0] not in WEB, f"{path.name} imports {module}"
        assert not module.startswith("shared.web"), f"{path.name} imports {module}"


@pytest.mark.parametrize("path", VIEW_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_reporting_views_read_through_the_queries(path):
    reads = called_methods(path) & READS
    assert not reads, f"{path.name} reads a collection itself: {sorted(reads)}"
    modules = imported_modules(path)
    assert "services.reporting.projections.read_models" not in modules, path.name
    assert "shared.resources" not in modules, f"{path.name} reaches the resources"


def test_reporting_views_reach_no_locator():
    for path in VIEW_FILES:
        tree = ast.parse(path.read_text())
        names = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        assert not names & {"resources", "models"}, f"{path.name} imports a locator"
