"""The package's shape: public names declared once and resolvable, exceptions named after the
package, no import cycles, and no module reaching into another module's private names."""

from __future__ import annotations

import ast
import pickle
import subprocess
import sys
import types
from pathlib import Path

import pytest

import heroku_inference

PACKAGE = Path(heroku_inference.__file__).resolve().parent


def test_all_names_resolve_once_and_nothing_public_is_left_out() -> None:
    names = heroku_inference.__all__
    assert len(names) == len(set(names)), "a name is exported twice"
    for name in names:
        assert getattr(heroku_inference, name) is not None
    public = {
        name
        for name, value in vars(heroku_inference).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name not in ("annotations", "TYPE_CHECKING", "Any")  # the module's own imports
    }
    assert public == set(names) - {"__version__"}
    assert dir(heroku_inference) == sorted(names)


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from heroku_inference import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(heroku_inference.__all__)


def _exception_classes() -> list[type[BaseException]]:
    return [
        value
        for name in heroku_inference.__all__
        if isinstance(value := getattr(heroku_inference, name), type)
        and issubclass(value, BaseException)
    ]


@pytest.mark.parametrize("cls", _exception_classes(), ids=lambda cls: cls.__name__)
def test_every_exception_reports_the_package_as_its_module(cls: type[BaseException]) -> None:
    assert cls.__module__ == "heroku_inference"
    assert pickle.loads(pickle.dumps(cls)) is cls


def test_exception_modules_do_not_depend_on_how_they_were_first_reached() -> None:
    # A fresh interpreter that reaches the classes through the private module first.
    script = (
        "from heroku_inference._exceptions import BadRequestError, StreamError\n"
        "print(BadRequestError.__module__, StreamError.__module__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["heroku_inference", "heroku_inference"]


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str | None:
    if node.level == 0:
        name = node.module or ""
        return name if name.startswith("heroku_inference") else None
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _top_level_imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Modules this one imports when it is imported, or when type checkers read it (imports
    inside functions, deliberately deferred, are left out)."""
    tree = ast.parse(path.read_text())
    is_package = path.name == "__init__.py"
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If):  # if TYPE_CHECKING: ...
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(module, node, is_package)
                if target is None:
                    continue
                for alias in node.names:
                    submodule = f"{target}.{alias.name}"
                    found.add(submodule if submodule in modules else target)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name in modules)

    visit(tree.body)
    return {name for name in found if name in modules and name != module}


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {name: _top_level_imports(name, path, modules) for name, path in modules.items()}
    # A package imports its __init__ first: edges into a package's children are what count,
    # so a package may import its own children without that being a cycle.
    visiting: list[str] = []
    done: set[str] = set()

    def walk(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            cycle = [*visiting[visiting.index(name) :], name]
            raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
        visiting.append(name)
        for target in graph[name]:
            if not target.startswith(f"{name}.") and not name.startswith(f"{target}."):
                walk(target)
        visiting.pop()
        done.add(name)

    for name in graph:
        walk(name)


def _defined_private_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)  # __slots__ entries
    return {name for name in names if name.startswith("_")}


def test_no_module_uses_another_modules_private_names() -> None:
    modules = _modules()
    problems: list[str] = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text())
        own = _defined_private_names(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _resolve(module, node, path.name == "__init__.py")
                for alias in node.names:
                    private = alias.name.startswith("_") and not alias.name.startswith("__")
                    if private and f"{target}.{alias.name}" not in modules:
                        problems.append(f"{path.name}:{node.lineno} imports {alias.name}")
            elif (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and node.attr not in own
            ):
                problems.append(f"{path.name}:{node.lineno} uses .{node.attr}")
    assert problems == []


def test_the_lazy_table_lists_the_modules_type_checkers_read() -> None:
    source = (PACKAGE / "__init__.py").read_text()
    checked = {
        f".{node.module}" if node.level == 1 else node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and [a.name for a in node.names] == ["*"]
    }
    assert checked == set(heroku_inference._PUBLIC_MODULES)


def test_importing_the_package_imports_no_pydantic_model() -> None:
    script = (
        "import sys, heroku_inference\n"
        "print(sorted(m for m in sys.modules if m.startswith('heroku_inference.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "['heroku_inference._version']"
