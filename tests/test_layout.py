"""The package's layout shows its flow: folders by stage, no import circles, small modules, and
torch imported only where a real run, diagnosis trial, trace or export needs it.

Imports are read from the source with ``ast``, inside functions too: an import deferred into a
function is still a dependency, and a circle through one is still a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "gru_shapes"
# Folders whose modules may import torch at module level.
TORCH_FOLDERS = {"run", "diagnose", "tracing", "export"}
MOST_TOP_LEVEL = 12
LEAST_SUBPACKAGES = 4
MOST_LINES = 450
LONG_LINES = 350
MOST_LONG = 3


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path) -> Iterator[tuple[str, ast.stmt]]:
    """Every module of the package that ``name`` imports, anywhere in its source, with the node."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from ((target, node) for target in _known(alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                # `from package import module` imports the module; `from module import name`, the module.
                submodule = f"{base}.{alias.name}"
                yield from ((target, node) for target in _known(submodule if submodule in MODULES else base))


def _known(dotted: str) -> Iterator[str]:
    if dotted in MODULES:
        yield dotted


GRAPH = {
    name: sorted({target for target, _node in imported(name, path)} - {name})
    for name, path in MODULES.items()
}


def circles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each as a closed path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph.get(node, []):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(_closed_path(sorted(group), graph))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _closed_path(group: list[str], graph: dict[str, list[str]]) -> list[str]:
    """A walk from the group's first module back to itself through the group: the circle to name."""
    members, start = set(group), group[0]
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        node = frontier.pop(0)
        for successor in graph.get(node, []):
            if successor == start:
                return [*paths[node], start]
            if successor in members and successor not in paths:
                paths[successor] = [*paths[node], successor]
                frontier.append(successor)
    return group


def test_no_module_imports_itself_through_others() -> None:
    found = [" → ".join(circle) for circle in circles(GRAPH)]
    assert not found, "import circles:\n" + "\n".join(found)


def test_the_circle_finder_names_a_circle_it_is_shown() -> None:
    graph = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}
    assert circles(graph) == [["a", "b", "c", "a"]]
    assert circles({"a": ["b"], "b": []}) == []


def test_a_lazy_import_counts(tmp_path: Path) -> None:
    source = "def later():\n    from gru_shapes.cli import app\n"
    path = tmp_path / "module.py"
    path.write_text(source)
    assert [target for target, _node in imported("gru_shapes.example", path)] == ["gru_shapes.cli"]


def test_the_top_level_holds_the_doors_and_the_folders_the_stages() -> None:
    top = [p.name for p in PACKAGE.glob("*.py")]
    folders = [p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()]
    assert len(top) <= MOST_TOP_LEVEL, sorted(top)
    assert len(folders) >= LEAST_SUBPACKAGES, folders


def test_modules_stay_small() -> None:
    lines = {name: len(path.read_text().splitlines()) for name, path in MODULES.items()}
    too_long = {name: count for name, count in lines.items() if count > MOST_LINES}
    long = sorted((count, name) for name, count in lines.items() if count > LONG_LINES)
    assert not too_long, too_long
    assert len(long) <= MOST_LONG, long


def _imports_torch_at_module_level(path: Path) -> bool:
    for node in ast.parse(path.read_text()).body:
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        if any(name == "torch" or name.startswith("torch.") for name in names):
            return True
    return False


@pytest.mark.parametrize("name", sorted(MODULES))
def test_torch_stays_behind_the_run_layer(name: str) -> None:
    folder = name.split(".")[1] if name.count(".") >= 1 else ""
    if folder in TORCH_FOLDERS:
        return
    assert not _imports_torch_at_module_level(MODULES[name]), f"{name} imports torch at module level"


def test_the_torch_check_sees_a_torch_import(tmp_path: Path) -> None:
    path = tmp_path / "module.py"
    path.write_text("from torch.nn import GRU\n")
    assert _imports_torch_at_module_level(path)
    path.write_text("def later():\n    import torch\n")
    assert not _imports_torch_at_module_level(path)


def test_importing_everything_before_the_run_leaves_torch_unloaded() -> None:
    # A fresh interpreter (the tests' own process has torch): the command line, the shape model,
    # the report, the diagnosis and every renderer import without it; only running needs torch.
    import subprocess
    import sys

    light = [name for name in MODULES if (name.split(".")[1:2] or [""])[0] not in TORCH_FOLDERS]
    light += ["gru_shapes.run.pipeline", "gru_shapes.run.guard", "gru_shapes.tracing.traced"]
    code = f"import sys\nfor name in {sorted(light)!r}:\n    __import__(name)\nprint('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def test_the_documented_layout_names_every_module() -> None:
    page = (PACKAGE.parent / "docs" / "layout.md").read_text()
    missing = [
        name
        for name, path in MODULES.items()
        if path.name not in ("__init__.py", "__main__.py") and f"  {path.name}" not in page
    ]
    assert not missing, missing
