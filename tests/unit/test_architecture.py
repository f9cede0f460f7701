"""The shape of the code, checked: domain code imports only the standard library and the
project's own domain helpers; the write services' (kpi, assessment) views, handlers and
commands keep to their layers (README, Architecture)."""

import ast
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.commands import Command

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


# The write services' shape (README, Architecture: kpi, and assessment the same): views
# parse, handlers decide access and use cases, commands are one dataclass per use case with
# exactly one handler each.
@dataclass(frozen=True)
class WriteService:
    name: str
    # What a view may take from the domain besides constants (limits, choices for its
    # schemas): the value types a command carries; never an aggregate or a decision.
    view_domain_values: frozenset[str]
    # The bound handlers and their answer: all a view calls
    view_handler_names: frozenset[str]
    # Names a view may take from the service's access rules: only the token roles of an
    # edge `requires` gate (who among them may act is the handlers' decision)
    view_access_names: frozenset[str] = frozenset()

    @property
    def root(self) -> Path:
        return ROOT / "services" / self.name

    def views(self) -> list[Path]:
        return sorted((self.root / "api").glob("*.py"))

    def service_layer(self) -> list[Path]:
        root = self.root
        layer = [*(root / "handlers").glob("*.py"), root / "commands.py", root / "policies.py"]
        return sorted([*layer, root / "access.py"])

    def commands(self) -> list[type]:
        module = importlib.import_module(f"services.{self.name}.commands")
        return [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, Command)
            and value.__module__ == module.__name__
        ]


KPI = WriteService(
    "kpi",
    frozenset({"KpiDefinition", "Person", "Commitment", "FollowUp", "NewSession"}),
    frozenset({"KpiHandlers", "Result"}),
)
ASSESSMENT = WriteService(
    "assessment",
    # needs_assessment: the module, for its value types (RecordProfile, IdentifyBarrier)
    frozenset(
        {"Person", "Phase", "ScaleScore", "DevelopmentArea", "Reference", "needs_assessment"}
    ),
    frozenset({"AssessmentHandlers", "Result", "SubjectExport"}),
    frozenset({"OPENERS"}),
)
WRITE_SERVICES = (KPI, ASSESSMENT)
WEB_AND_STORAGE = ("flask", "flask_smorest", "marshmallow", "werkzeug", "pymongo", "kafka")
# What else a view may import from the project: the web edge (auth, If-Match, caller, ETag,
# fields); besides its own service's api/, commands, handlers and domain values.
WEB_EDGE = ("shared.web.auth", "shared.web.commands", "shared.web.fields")
VIEWS = [(s, p) for s in WRITE_SERVICES for p in s.views()]
SERVICE_LAYER = [(s, p) for s in WRITE_SERVICES for p in s.service_layer()]


def path_id(case) -> str:
    return str(case.relative_to(ROOT)) if isinstance(case, Path) else case.name


def imported_names(path: Path) -> set[tuple[str, str]]:
    """(module, name) of every `from module import name` of a file."""
    tree = ast.parse(path.read_text())
    return {
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
        for alias in node.names
    }


@pytest.mark.parametrize("service", WRITE_SERVICES, ids=path_id)
def test_there_are_views_and_handlers_to_check(service):
    assert len(service.views()) >= 4 and len(service.service_layer()) >= 7


@pytest.mark.parametrize(("service", "path"), VIEWS, ids=path_id)
def test_views_import_no_decisions_only_values_commands_and_handlers(service, path):
    own = f"services.{service.name}"
    project = (f"{own}.api", f"{own}.commands", f"{own}.handlers", *WEB_EDGE)
    for module in imported_modules(path):
        if module.startswith(("services.", "shared.")):
            allowed = (*project, f"{own}.domain", f"{own}.access")
            assert module.startswith(allowed), f"{path.name} imports {module}"
    for module, name in imported_names(path):
        if module.split(".")[0] in (*WEB_AND_STORAGE, "__future__", *sys.stdlib_module_names):
            assert not module.startswith(("pymongo", "kafka")), f"{path.name} imports {module}"
            continue
        if module.startswith(f"{own}.domain"):
            allowed = name.isupper() or name in service.view_domain_values
            assert allowed, f"{path.name} takes {name} from {module}: a decision of the domain"
        elif module.startswith(f"{own}.handlers"):
            assert name in service.view_handler_names, f"{path.name} calls {module}.{name}"
        elif module == f"{own}.access":
            assert name in service.view_access_names, f"{path.name} decides access: {name}"
        else:
            assert module.startswith(project), f"{path.name} imports {module}"


@pytest.mark.parametrize(("service", "path"), VIEWS, ids=path_id)
def test_views_reach_no_resources_locator_and_raise_no_refusal(service, path):
    source = path.read_text()
    assert "resources()" not in source and "current_app" not in source
    refusals = ("Forbidden", "NotFound", "InvalidCommand", "InvalidTransition", "abort(")
    assert not [r for r in refusals if r in source], f"{path.name} decides a refusal itself"
    assert "access.may" not in source and "access.require" not in source, path.name


@pytest.mark.parametrize(("service", "path"), SERVICE_LAYER, ids=path_id)
def test_handlers_commands_and_policies_import_no_web_framework_or_storage(service, path):
    for module in imported_modules(path):
        top = module.split(".")[0]
        assert top not in WEB_AND_STORAGE, f"{path.name} imports {module}"
        assert not module.startswith(("shared.web", "shared.resources")), f"{path.name}: {module}"
        assert not module.startswith(f"services.{service.name}.api"), f"{path.name}: {module}"


@pytest.mark.parametrize("service", WRITE_SERVICES, ids=path_id)
def test_every_command_has_exactly_one_handler_in_the_service_layer(service):
    handlers = importlib.import_module(f"services.{service.name}.handlers")
    found = service.commands()
    assert len(found) >= 8
    assert set(handlers.COMMAND_HANDLERS) == set(found)
    bound = list(handlers.COMMAND_HANDLERS.values())
    assert len(set(bound)) == len(bound), "one handler serves two commands"
    for handler in bound:
        assert handler.__module__.startswith(f"services.{service.name}.handlers."), handler


@pytest.mark.parametrize("service", WRITE_SERVICES, ids=path_id)
def test_every_command_is_exercised_by_a_test(service):
    tests = [p.read_text() for p in (ROOT / "tests").rglob("test_*.py")
             if p.name != "test_architecture.py"]  # fmt: skip
    for command in service.commands():
        assert any(f"{command.__name__}(" in text for text in tests), command.__name__


def test_the_assessment_service_keeps_no_use_case_outside_its_handlers():
    gone = ("application.py", "rounds_service.py", "needs_assessment_service.py",
            "round_scheduler.py")  # fmt: skip
    assert not [name for name in gone if (ASSESSMENT.root / name).exists()]


WEB_MODULES = sorted([*ROOT.glob("shared/web/*.py"), *ROOT.glob("services/*/api/*.py")])


@pytest.mark.parametrize("path", WEB_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_web_module_fetches_adapters_from_the_app(path):
    """The app factory hands adapters to blueprints and hooks; none reads them back from
    app.extensions (a service locator). The token verifier and the OpenAPI spec are
    framework extensions, not adapters."""
    assert 'extensions["resources"]' not in path.read_text(), path.name
    assert "def resources(" not in path.read_text(), path.name
