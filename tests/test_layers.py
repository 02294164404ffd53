"""The house's layering, read from the source: no import cycles between the package's modules, and the text
stages never import a model library (every import counts, also those inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "translate_cli"
MODEL_LIBRARIES = {"torch", "transformers", "ctranslate2", "ray"}
TEXT_STAGES = ("segment", "align", "score", "checks", "textfile", "layout", "document", "documents", "analysis",
               "formats", "pages", "pipeline")


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
