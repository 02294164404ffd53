"""Which translator a run uses: the model loaded in this process, or on Ray workers, from one set of options.

``translate`` and ``batch`` (and the Python API) describe the model's settings once, as :class:`ModelOptions`,
and get a :class:`~translate_cli.records.SentenceTranslator` from :func:`open_translator`, whichever engine
runs it; :func:`model_runs` says which models a run translates with and where each one's outputs go, and
:func:`each_model` is the one loop over them that ``translate`` and ``batch`` share; :func:`ray_chunk` and
:func:`close_translator` are what a batch run does differently for Ray.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar, get_args

from translate_cli.errors import UserError
from translate_cli.models import ModelSpec, model_slug, resolve_model
from translate_cli.records import SentenceTranslator
from translate_cli.translate import DEFAULT_BATCH_SIZE, load_translator

Engine = Literal["local", "ray"]  # the CLI takes these as typed here
ENGINES: tuple[str, ...] = get_args(Engine)
# A Ray instance started on this machine shares its cores with nothing gained: measured on 2 cores, 40 articles
# took 1.46x as long as --engine local (Ray's start-up ~10 s, the same cores doing the same work).
FEW_CORES = 2
R = TypeVar("R")


@dataclass(frozen=True)
class ModelOptions:
    """How a model translates (``beam`` ... ``compute_type`` and ``repair``, as
    :func:`~translate_cli.translate.load_translator` takes them) and where: ``engine`` local, or ray with its
    cluster ``address`` (None: start one here), ``workers`` (None: as many as fit) and the CPUs and GPUs each
    worker holds."""

    beam: int = 4
    batch_size: int = DEFAULT_BATCH_SIZE
    device: str = "auto"
    backend: str = "auto"
    compute_type: str = "auto"
    engine: str = "local"
    address: str | None = None
    workers: int | None = None
    cpus_per_worker: float = 1
    gpus_per_worker: float = 0
    repair: bool = True

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise UserError(f"unknown engine '{self.engine}': use one of {', '.join(ENGINES)}")
        if self.engine == "local" and (self.address or self.workers or self.gpus_per_worker):
            raise UserError("--address, --workers and --gpus-per-worker need --engine ray")


def open_translator(model: ModelSpec | str | None, options: ModelOptions,
                    notice: Callable[[str], None] | None = None) -> SentenceTranslator:
    """The translator for ``model`` (a ModelSpec, or a name as ``--model`` takes it; None: the default model):
    loaded here, or on Ray workers that each load it once (``ray_engine.RayTranslator``: close it after use).
    ``notice`` hears what loading reports (a conversion, a fallback, workers waiting for nodes)."""
    spec = model if isinstance(model, ModelSpec) else resolve_model(model)
    if options.engine == "ray":
        from translate_cli.ray_engine import RayTranslator

        translator = RayTranslator(spec, address=options.address, workers=options.workers,
                                   cpus_per_worker=options.cpus_per_worker, gpus_per_worker=options.gpus_per_worker,
                                   batch_size=options.batch_size, device=options.device, beam=options.beam,
                                   backend=options.backend, compute_type=options.compute_type,
                                   repair=options.repair, notice=notice)
        reason = ray_cannot_help(options, _cores())  # once Ray runs: a missing Ray is the one line to say
        if reason and notice:
            notice(reason)
        return translator
    return load_translator(spec, device=options.device, beam=options.beam, batch_size=options.batch_size,
                           backend=options.backend, compute_type=options.compute_type,
                           repair=options.repair, notice=notice)


def model_runs(models: Sequence[str] | None) -> list[tuple[str | None, str | None]]:
    """Each model a run translates with (repeats dropped; None: the default model) and the subfolder of the
    output folder its outputs go to: none for one model, ``model_slug`` of each name for several."""
    names: list[str | None] = list(dict.fromkeys(models)) if models else [None]
    return [(name, model_slug(name) if name is not None and len(names) > 1 else None) for name in names]


def each_model(models: Sequence[str] | None, open_model: Callable[[str | None], SentenceTranslator],
               run: Callable[[int, str | None, Callable[[], SentenceTranslator]], R]) -> list[R]:
    """For each model of :func:`model_runs`, in turn: ``run(number, subfolder, translator)``, where
    ``translator()`` opens the model with ``open_model(name)`` the first time it is called (so that ``run``
    checks its own inputs before a model loads, and loads none it does not need); the translator is closed
    (:func:`close_translator`) once ``run`` ends, before the next model opens. The runs' results, in order."""
    results = []
    for number, (name, sub) in enumerate(model_runs(models)):
        opener = _Opener(name, open_model)
        try:
            results.append(run(number, sub, opener))
        finally:
            if opener.translator is not None:
                close_translator(opener.translator)
    return results


class _Opener:
    """One model's translator, opened on the first call."""

    def __init__(self, name: str | None, open_model: Callable[[str | None], SentenceTranslator]):
        self.name, self.open_model = name, open_model
        self.translator: SentenceTranslator | None = None

    def __call__(self) -> SentenceTranslator:
        if self.translator is None:
            self.translator = self.open_model(self.name)
        return self.translator


def ray_chunk(translator: SentenceTranslator) -> int | None:
    """The sentences a batch run gives one ``translate`` call on Ray workers (several batches for every worker:
    ``RayTranslator.chunk_sentences``); None for a model loaded here, which takes the batch's own chunks."""
    from translate_cli.ray_engine import RayTranslator  # Ray itself is imported only when one starts

    return translator.chunk_sentences if isinstance(translator, RayTranslator) else None


def close_translator(translator: SentenceTranslator) -> None:
    """End the Ray workers of a translator from :func:`open_translator`; a model loaded here needs nothing."""
    from translate_cli.ray_engine import RayTranslator

    if isinstance(translator, RayTranslator):
        translator.close()


def ray_cannot_help(options: ModelOptions, cores: int) -> str | None:
    """Why Ray will not be faster than ``--engine local`` here, or None: a Ray instance started on a machine of
    ``FEW_CORES`` or fewer cores only adds its start-up to the same work on the same cores."""
    if options.address is None and cores <= FEW_CORES:
        return (f"Ray started on this machine ({cores} CPU cores) cannot be faster than --engine local, only slower "
                "by its start-up (~10 s); it helps with --address of a cluster or on a machine with more cores")
    return None


def _cores() -> int:
    """The CPU cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
