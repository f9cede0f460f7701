"""The shape of the code, checked: domain code imports only the standard library and the
project's own domain helpers; the kpi service's views, handlers and commands keep to their
layers (README, Architecture)."""

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


# The kpi service's shape (README, Architecture): views parse, handlers decide access and use
# cases, commands are one dataclass per use case with exactly one handler each.
KPI = ROOT / "services/kpi"
KPI_VIEWS = sorted((KPI / "api").glob("*.py"))
KPI_SERVICE_LAYER = sorted(
    [*(KPI / "handlers").glob("*.py"), KPI / "commands.py", KPI / "policies.py", KPI / "access.py"]
)
WEB_AND_STORAGE = ("flask", "flask_smorest", "marshmallow", "werkzeug", "pymongo", "kafka")
# What a view may take from the domain: constants (limits, choices for its schemas) and the
# value types a command carries; never an aggregate or a decision.
VIEW_DOMAIN_VALUES = {"KpiDefinition", "Person", "Commitment", "FollowUp", "NewSession"}
# What else a view may import from the project: its schemas and helpers, the commands, the
# bound handlers and their answer, and the web edge (auth, If-Match, caller, ETag, fields).
VIEW_PROJECT_MODULES = (
    "services.kpi.api", "services.kpi.commands", "services.kpi.handlers", "shared.web.auth",
    "shared.web.commands", "shared.web.fields",
)  # fmt: skip
VIEW_HANDLER_NAMES = {"KpiHandlers", "Result"}


def imported_names(path: Path) -> set[tuple[str, str]]:
    """(module, name) of every `from module import name` of a file."""
    tree = ast.parse(path.read_text())
    return {
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
        for alias in node.names
    }


def test_there_are_kpi_views_and_handlers_to_check():
    assert len(KPI_VIEWS) >= 4 and len(KPI_SERVICE_LAYER) >= 7


@pytest.mark.parametrize("path", KPI_VIEWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_kpi_views_import_no_decisions_only_values_commands_and_handlers(path):
    for module in imported_modules(path):
        if module.startswith(("services.", "shared.")):
            allowed = (*VIEW_PROJECT_MODULES, "services.kpi.domain")
            assert module.startswith(allowed), f"{path.name} imports {module}"
    for module, name in imported_names(path):
        if module.split(".")[0] in (*WEB_AND_STORAGE, "__future__", *sys.stdlib_module_names):
            assert not module.startswith(("pymongo", "kafka")), f"{path.name} imports {module}"
            continue
        if module.startswith("services.kpi.domain"):
            allowed = name.isupper() or name in VIEW_DOMAIN_VALUES
            assert allowed, f"{path.name} takes {name} from {module}: a decision of the domain"
        elif module.startswith("services.kpi.handlers"):
            assert name in VIEW_HANDLER_NAMES, f"{path.name} calls {module}.{name} directly"
        else:
            assert module.startswith(VIEW_PROJECT_MODULES), f"{path.name} imports {module}"


@pytest.mark.parametrize("path", KPI_VIEWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_kpi_views_reach_no_resources_locator_and_raise_no_refusal(path):
    source = path.read_text()
    assert "resources()" not in source and "current_app" not in source
    refusals = ("Forbidden", "NotFound", "InvalidCommand", "InvalidTransition", "abort(")
    assert not [r for r in refusals if r in source], f"{path.name} decides a refusal itself"


@pytest.mark.parametrize("path", KPI_SERVICE_LAYER, ids=lambda p: str(p.relative_to(ROOT)))
def test_kpi_handlers_commands_and_policies_import_no_web_framework_or_storage(path):
    for module in imported_modules(path):
        top = module.split(".")[0]
        assert top not in WEB_AND_STORAGE, f"{path.name} imports {module}"
        assert not module.startswith(("shared.web", "shared.resources")), f"{path.name}: {module}"
        assert not module.startswith("services.kpi.api"), f"{path.name} imports {module}"


def kpi_commands() -> list[type]:
    from services.kpi import commands

    return [
        value
        for value in vars(commands).values()
        if isinstance(value, type)
        and issubclass(value, commands.Command)
        and value is not commands.Command
    ]


def test_every_kpi_command_has_exactly_one_handler_in_the_service_layer():
    from services.kpi.handlers import COMMAND_HANDLERS

    found = kpi_commands()
    assert len(found) >= 8
    assert set(COMMAND_HANDLERS) == set(found)
    handlers = list(COMMAND_HANDLERS.values())
    assert len(set(handlers)) == len(handlers), "one handler serves two commands"
    for handler in handlers:
        assert handler.__module__.startswith("services.kpi.handlers."), handler


def test_every_kpi_command_is_exercised_by_a_test():
    tests = [p.read_text() for p in (ROOT / "tests").rglob("test_*.py")
             if p.name != "test_architecture.py"]  # fmt: skip
    for command in kpi_commands():
        assert any(f"{command.__name__}(" in text for text in tests), command.__name__
