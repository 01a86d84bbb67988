"""The house rules on who may import what (STYLE.md rule 1), read from the source with ast.

- `patients` never imports `claims`; neither app imports the project package `coverage_guide`.
- Views, admin and tasks write nothing themselves: they call services (and read via selectors).
- Forms validate and never import services.
- Services never import views, admin or forms; selectors never import services.
- Pure rule modules take plain data: no models, no database, no services or selectors.

Each rule is a function of the parsed tree, so the test can show it catching a breach made up on
the spot (the `*_is_caught` tests) as well as passing on the real code.
"""

import ast
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("patients", "claims")
PURE_MODULES = {
    "claims.deadlines",
    "claims.codes",
    "claims.timeline",
    "claims.guidance",
    "patients.scales",
    "patients.partial_dates",
    "patients.drugs",
    "patients.adequate_trials",
    "patients.addresses",
    "claims.criteria.rules",
    "claims.estimate",
}
ORM_WRITES = {
    "save",
    "delete",
    "create",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. "claims.services.records"
    path: Path
    tree: ast.Module

    @property
    def app(self) -> str:
        return self.name.split(".")[0]

    @property
    def role(self) -> str:
        """views, admin, tasks, forms, services, selectors, models... (a package counts as one)."""
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 else ""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache  # parsed once for all the rules: about 0.3 s a parse
def app_modules() -> list[Module]:
    modules = []
    for app in (*APPS, "coverage_guide"):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            modules.append(Module(_module_name(path), path, ast.parse(path.read_text())))
    return modules


def imported_names(module: Module) -> Iterator[tuple[int, str]]:
    """(line, absolute dotted name) of everything the module imports, relative imports resolved."""
    package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            yield node.lineno, prefix
            for alias in node.names:
                yield node.lineno, f"{prefix}.{alias.name}"


def _is(name: str, target: str) -> bool:
    return name == target or name.startswith(target + ".")


def _role_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] in APPS else ""


# --- the rules: each returns the breaches it finds in one module ---------------------------------


def app_direction(module: Module) -> list[str]:
    breaches = []
    for line, name in imported_names(module):
        if module.app == "patients" and _is(name, "claims"):
            breaches.append(f"{module.name}:{line} patients imports {name}")
        if module.app in APPS and _is(name, "coverage_guide"):
            breaches.append(f"{module.name}:{line} an app imports the project package: {name}")
    return breaches


def no_writes_outside_services(module: Module) -> list[str]:
    if module.app not in APPS or module.role not in ("views", "admin", "tasks"):
        return []
    breaches = []
    for node in ast.walk(module.tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr in ORM_WRITES:
            unsaved = any(
                k.arg == "commit" and isinstance(k.value, ast.Constant) and k.value.value is False
                for k in node.keywords
            )  # form.save(commit=False) builds an instance for a service to save
            if not unsaved:
                breaches.append(f"{module.name}:{node.lineno} writes: {ast.unparse(node)[:60]}")
        if node.func.attr == "atomic":
            breaches.append(f"{module.name}:{node.lineno} opens a transaction (a service's job)")
    for line, name in imported_names(module):
        if _is(name, "django.db.transaction"):
            breaches.append(f"{module.name}:{line} imports transaction (a service's job)")
    return breaches


def forms_import_no_services(module: Module) -> list[str]:
    if module.role != "forms":
        return []
    return [
        f"{module.name}:{line} a form imports a service: {name}"
        for line, name in imported_names(module)
        if _role_of(name) == "services"
    ]


def layers_point_down(module: Module) -> list[str]:
    """services → selectors → models, never back up."""
    above = {
        "services": {"views", "admin", "forms", "urls"},
        "selectors": {"services", "views", "admin", "forms", "tasks"},
        "models": {"services", "selectors", "views", "admin", "forms", "tasks"},
    }.get(module.role, set())
    return [
        f"{module.name}:{line} {module.role} imports {name}"
        for line, name in imported_names(module)
        if _role_of(name) in above
    ]


def pure_modules_touch_no_database(module: Module) -> list[str]:
    if module.name not in PURE_MODULES:
        return []
    breaches = []
    for line, name in imported_names(module):
        if _is(name, "django.db") or _role_of(name) in ("models", "services", "selectors"):
            breaches.append(f"{module.name}:{line} a pure module imports {name}")
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager"):
            breaches.append(f"{module.name}:{node.lineno} a pure module uses a manager")
    return breaches


RULES = [
    app_direction,
    no_writes_outside_services,
    forms_import_no_services,
    layers_point_down,
    pure_modules_touch_no_database,
]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_the_code_keeps_the_rule(rule):
    modules = app_modules()
    assert {m.name for m in modules} >= {"claims.services", "claims.views", "patients.models"}
    breaches = [breach for module in modules for breach in rule(module)]
    assert breaches == []


# --- each rule catches a breach ------------------------------------------------------------------


def _fake(name: str, source: str) -> Module:
    path = ROOT / Path(*name.split(".")).with_suffix(".py")
    return Module(name, path, ast.parse(source))


@pytest.mark.parametrize(
    ("rule", "name", "source"),
    [
        (app_direction, "patients.views", "from claims.models import CoverageCase"),
        (app_direction, "patients.services", "from claims import services"),
        (app_direction, "claims.views", "from coverage_guide import settings"),
        (no_writes_outside_services, "claims.views", "def v(request):\n    case.save()"),
        (no_writes_outside_services, "claims.admin.cases", "x = Letter.objects.create(text='')"),
        (no_writes_outside_services, "claims.tasks", "from django.db import transaction"),
        (no_writes_outside_services, "patients.views", "with transaction.atomic():\n    pass"),
        (forms_import_no_services, "patients.forms", "from .services import diagnosis_save"),
        (forms_import_no_services, "claims.forms", "from claims.services import case_start"),
        (layers_point_down, "claims.services.records", "from ..views import step_history"),
        (layers_point_down, "claims.selectors", "from .services import case_start"),
        (layers_point_down, "patients.models", "from .services import diagnosis_save"),
        (pure_modules_touch_no_database, "claims.deadlines", "from .models import Deadline"),
        (pure_modules_touch_no_database, "claims.codes", "from django.db.models import Q"),
        (pure_modules_touch_no_database, "claims.timeline", "rows = Deadline.objects.all()"),
    ],
)
def test_the_rule_is_caught(rule, name, source):
    assert rule(_fake(name, source))


def test_allowed_code_is_not_flagged():
    view = "def v(request):\n    services.case_start(x=form.save(commit=False))"
    assert no_writes_outside_services(_fake("claims.views", view)) == []
    assert layers_point_down(_fake("claims.views", "from . import services, selectors")) == []
    assert app_direction(_fake("claims.services.records", "from patients import services")) == []
