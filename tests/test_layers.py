"""The package's layers import one way: each module imports only modules of lower layers (so there is no
cycle), and no module uses another module's _private name.

The import graph is read from the source (ast over tinygrad_edu/**/*.py), every import counted: at the
top of a file, inside a function, or for type checking only. A new module goes into LAYERS, above
every module it imports; `farm-studio look` draws the same graph.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tinygrad_edu"

# Bottom first. A module may import any module of a lower layer, none of its own layer or above.
LAYERS: list[tuple[str, ...]] = [
    # files written atomically and read strictly, output paths checked; equations with their matrices in
    # text, Markdown or LaTeX: they import none of ours
    ("files", "mathpage"),
    ("engine", "graphviz_backend", "model_file", "pages"),  # Value and its ops; Graphviz; model files; pages
    ("nn", "losses", "optim", "gradcheck", "expr", "datasets"),  # built from Values
    ("trace",),  # a graph's derivations
    ("blocks", "exercises"),  # a graph seen one scope at a time; questions about a graph
    ("viz", "equations"),  # pictures of a graph (by node, or by block); a network's layer equations
    ("stepper", "recorder", "quiz"),  # the pages; a quiz session at a terminal
    ("tinygrad_edu",),  # the package's face: Value, no_grad, nn, losses, optim; a Value shown in Jupyter
    ("cli",),  # the library's commands
    ("walkthroughs", "walkthroughs.matrices", "walkthroughs.tour"),  # DEMOS; the Tour they are made of
    ("walkthroughs.notebook",),  # a tour as a Jupyter notebook
    ("walkthroughs.command",),  # the one entry point that runs a walkthrough
    ("walkthroughs.chain_rule", "walkthroughs.gradient_descent", "walkthroughs.backprop_layers",
     "walkthroughs.minibatch", "walkthroughs.moons", "walkthroughs.digits", "walkthroughs.attention"),
    ("__main__", "walkthroughs.__main__"),  # the tinygrad-edu command (cli and demo); python -m demos
]
LAYER = {name if name == "tinygrad_edu" else f"tinygrad_edu.{name}": level
         for level, names in enumerate(LAYERS) for name in names}

# Imports their owners are still taking out; a case here that passes fails (strict), so the fix
# removes its line.
STILL_BEING_FIXED: dict[str, str] = {}
PRIVATE_STILL_BEING_FIXED: dict[str, str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, source: str | None = None) -> tuple[set[str], set[str]]:
    """(the package's modules that ``name`` imports, the other modules' _private names it uses),
    read from its file or from ``source``."""
    path = MODULES.get(name, PACKAGE / "new.py")
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
    imported, private, bound = set(), set(), {}  # bound: a local name -> the module it is
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    imported.add(alias.name)
                    if alias.asname:
                        bound[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            if source not in MODULES:
                continue
            for alias in node.names:
                if f"{source}.{alias.name}" in MODULES:  # a module: from tinygrad_edu import viz
                    imported.add(f"{source}.{alias.name}")
                    bound[alias.asname or alias.name] = f"{source}.{alias.name}"
                else:
                    imported.add(source)
                    if _private(alias.name):
                        private.add(f"{source}.{alias.name}")
    for node in ast.walk(tree):  # engine._constant, after `from . import engine`
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and _private(node.attr):
            if node.value.id in bound:
                private.add(f"{bound[node.value.id]}.{node.attr}")
    return imported - {name}, {p for p in private if p.rpartition(".")[0] != name}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def case(name: str, being_fixed: dict[str, str]):
    reason = being_fixed.get(name)
    return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason)) if reason else name


def test_every_module_has_a_layer():
    missing = sorted(set(MODULES) - set(LAYER))
    assert not missing, f"put these in LAYERS (tests/test_layers.py), above all they import: {missing}"
    assert not set(LAYER) - set(MODULES), "LAYERS names a module that is gone"
    assert set(STILL_BEING_FIXED) | set(PRIVATE_STILL_BEING_FIXED) <= set(MODULES)


@pytest.mark.parametrize("name", [case(name, STILL_BEING_FIXED) for name in MODULES])
def test_a_module_imports_only_lower_layers(name):
    if name not in LAYER:
        pytest.skip("in no layer (test_every_module_has_a_layer says so)")
    upward = sorted(m for m in imports(name)[0] if LAYER.get(m, -1) >= LAYER[name])
    assert not upward, f"{name} (layer {LAYER[name]}) imports its own layer or above: {upward}"


@pytest.mark.parametrize("name", [case(name, PRIVATE_STILL_BEING_FIXED) for name in MODULES])
def test_no_module_uses_another_modules_private_names(name):
    assert not imports(name)[1]


def test_the_import_graph_has_no_cycle():
    graph = {name: imports(name)[0] for name in MODULES}
    state: dict[str, str] = {}  # "open" while on the current path, "done" when every path from it ends

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for other in sorted(graph[name]):
            if state.get(other) == "open":
                raise AssertionError(f"an import cycle: {' -> '.join(path[path.index(other):] + [other])}")
            if other not in state:
                visit(other, [*path, other])
        state[name] = "done"

    for name in MODULES:
        if name not in state:
            visit(name, [name])


def test_the_graph_reader_sees_every_kind_of_import():
    """Relative and absolute imports, in a function, a module bound by a name, and private names."""
    source = """
from . import viz, __version__
from .engine import Value, _constant
import tinygrad_edu.trace as tr
from tinygrad_edu.walkthroughs import tour

def later():
    from .nn import MLP
    return tr._op_text, viz.draw_dot, tour._private, MLP._forward
"""
    found, private = imports("tinygrad_edu.new", source)
    assert found == {"tinygrad_edu.viz", "tinygrad_edu", "tinygrad_edu.engine", "tinygrad_edu.trace",
                     "tinygrad_edu.walkthroughs.tour", "tinygrad_edu.nn"}
    assert private == {"tinygrad_edu.engine._constant", "tinygrad_edu.trace._op_text",
                       "tinygrad_edu.walkthroughs.tour._private"}  # MLP._forward: a class's, not a module's
    assert imports("tinygrad_edu.walkthroughs.new", "from .tour import Tour\nfrom .. import nn")[0] == {
        "tinygrad_edu.walkthroughs.tour", "tinygrad_edu.nn"}
