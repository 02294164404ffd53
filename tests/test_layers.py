"""The house's layering, read from the source: no import cycles between the package's modules, imports run
down the layers, the text stages never import a model library (every import counts, also those inside
functions), only the CLI and its report modules print, and the benchmarks reach the package as installed."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "translate_cli"
BENCHMARKS = PACKAGE.parent / "benchmarks"
MODEL_LIBRARIES = {"torch", "transformers", "ctranslate2", "ray"}
PRINTERS = {"translate_cli.cli", "translate_cli.terminal"}  # and every translate_cli.*_report module
TEXT_STAGES = ("segment", "align", "score", "checks", "textfile", "layout", "records", "documents", "analysis",
               "formats", "pages", "pipeline", "batch_articles", "batch_store", "compare_load")

# Bottom to top: a module imports from its own layer and those below, never from one above.
LAYERS = (
    ("errors", "records", "layout", "version", "terminal", "light_tokenizer"),  # facts every stage shares
    ("textfile", "segment", "align", "score", "checks", "analysis", "documents"),  # text stages
    ("models", "translate", "ray_engine", "engines", "training"),  # models and the engines that run them
    ("pipeline", "storage"),  # one article through the stages; batch folders on object storage
    ("formats", "pages", "batch_articles", "batch_store", "compare_load", "api"),  # files in, files out
    ("batch", "compare", "batch_runs", "translate_runs"),  # whole runs
    ("batch_report", "compare_report", "translate_report"),  # what the terminal shows of a run
    ("cli", "__main__", ""),  # the shell, and the package's facade ("")
    ("devkit",),  # random-weight models for tests and benchmarks: nothing in the package imports them
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def test_no_import_cycles():
    modules = _modules()
    graph = {name: {other for other in _imports(path) if other in modules and other != name}
             for name, path in modules.items() if name != "translate_cli"}  # the facade imports names lazily
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for other in graph.get(name, ()):
            assert state.get(other) != 1, "import cycle: " + " -> ".join([*trail, name, other])
            if other not in state:
                visit(other, [*trail, name])
        state[name] = 2

    for name in graph:
        if name not in state:
            visit(name, [])


def _layer(name: str) -> int:
    """The index in LAYERS of a module (a package's modules are in the package's layer)."""
    top = name.removeprefix("translate_cli").removeprefix(".").split(".")[0]
    found = [k for k, layer in enumerate(LAYERS) if top in layer]
    assert found, f"{name} is in no layer: add it to LAYERS in tests/test_layers.py"
    return found[0]


def test_imports_run_down_the_layers():
    modules = _modules()
    for name, path in modules.items():
        layer = _layer(name)  # every module has its place
        if name == "translate_cli":
            continue  # the facade names the API lazily, from every layer
        for other in _imports(path) & modules.keys():
            assert _layer(other) <= layer, f"{name} imports {other}, a layer above it (LAYERS)"


def test_text_stages_never_import_a_model_library():
    modules = _modules()
    for stage in TEXT_STAGES:
        for name, path in modules.items():
            if name == f"translate_cli.{stage}" or name.startswith(f"translate_cli.{stage}."):
                heavy = {i.split(".")[0] for i in _imports(path)} & MODEL_LIBRARIES
                assert not heavy, f"{name} imports {', '.join(sorted(heavy))}"


def _prints(path: Path) -> list[str]:
    """Where a module calls print() or reaches sys.stdout / sys.stderr, as ``line: what``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            found.append(f"{node.lineno}: print()")
        elif (isinstance(node, ast.Attribute) and node.attr in ("stdout", "stderr")
              and isinstance(node.value, ast.Name) and node.value.id == "sys"):
            found.append(f"{node.lineno}: sys.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "sys":
            found += [f"{node.lineno}: from sys import {a.name}" for a in node.names if a.name in ("stdout", "stderr")]
    return found


def test_the_library_never_prints():
    for name, path in _modules().items():
        if name in PRINTERS or name.endswith("_report"):
            continue
        assert not _prints(path), f"{name} prints (a notice callback or a report module belongs there): {_prints(path)}"


def test_the_print_scan_sees_prints(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import sys\nprint('x')\nsys.stderr.write('y')\nw = sys.stdout.buffer.write\n")
    assert _prints(module) == ["2: print()", "3: sys.stderr", "4: sys.stdout"]


def test_benchmarks_leave_sys_path_alone():
    """A benchmark reaches the package as installed (editable) and the modules of its own folder; what it
    shares with the tests is in translate_cli.devkit, so it puts nothing on sys.path and imports nothing
    from tests/."""
    for path in sorted(BENCHMARKS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        touched = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "path"
                   and isinstance(node.value, ast.Name) and node.value.id == "sys"]
        assert not touched, f"{path.name} changes sys.path (lines {touched})"
        assert not {i for i in _imports(path) if i.split(".")[0] in ("tests", "tiny_models", "stand_in")}, path.name
