"""The house's layering, read from the source: no import cycles between the package's modules, the text
stages never import a model library (every import counts, also those inside functions), and only the CLI and
its report modules print."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "translate_cli"
MODEL_LIBRARIES = {"torch", "transformers", "ctranslate2", "ray"}
PRINTERS = {"translate_cli.cli", "translate_cli.terminal"}  # and every translate_cli.*_report module
TEXT_STAGES = ("segment", "align", "score", "checks", "textfile", "layout", "records", "documents", "analysis",
               "formats", "pages", "pipeline", "batch_articles", "batch_store", "compare_load")


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
