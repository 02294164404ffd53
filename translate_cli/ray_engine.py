"""Translate on a Ray cluster: long-lived actors, each holding one loaded translator.

``RayTranslator`` has the interface the batch driver expects (``identity``, ``label`` and
``translate(sentences, progress=..., on_translated=...)``, ``confidence(sentence)``), so the manifest, the
sentence cache, resume and summary.json stay on the driver and only sentences, translations and the model's
confidences travel. Its identity is the workers' own ``Translator.identity``, the same as a local run with the
same model and options, so both share a cache.

A worker that dies (actor killed, node lost) loses only its batch in flight: the batch goes back to the
queue and runs on another worker, while Ray restarts the dead one (``max_restarts``), which takes batches
again once it answers. Nothing is returned for a batch until one attempt has finished, so no translation is
lost or used twice.

Ray is an optional extra (``pip install 'translate-cli[ray]'``) and is imported only here.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from typing import Callable, Sequence

from translate_cli.errors import UserError
from translate_cli.models import ModelSpec
from translate_cli.translate import DEFAULT_BATCH_SIZE

MAX_RESTARTS = 3  # restarts Ray grants each worker; after that it is left out
MAX_ATTEMPTS = 3  # a batch whose worker died this many times fails its chunk instead of killing more
TASKS_PER_WORKER = 8  # a chunk of the batch run gives each worker about this many batches


def import_ray():
    """The ``ray`` module, or a one-line UserError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise UserError("--engine ray needs Ray: pip install 'translate-cli[ray]' "
                        "(in this project's checkout: make setup-ray)") from None
    return ray


class _Worker:
    """Ray actor body: one translator loaded once, used for every batch sent to this worker."""

    def __init__(self, spec: ModelSpec, options: dict):
        from translate_cli.translate import load_translator

        self.error: UserError | None = None
        try:
            self.translator = load_translator(spec, **options)
        except UserError as error:  # kept for describe(), which brings it to the driver as one line
            self.error = error

    def describe(self) -> tuple[str, str]:
        """The translator's identity and label."""
        if self.error:
            raise self.error
        return self.translator.identity, self.translator.label

    def translate(self, sentences: list[str]) -> list[tuple[str, float | None, bool]]:
        """Each sentence's translation, the model's confidence in it and whether it is a repair
        (``Translator.repaired``)."""
        texts = self.translator.translate(sentences)
        return [(text, self.translator.confidence(s), self.translator.repaired(s)) for text, s in zip(texts, sentences)]


class RayTranslator:
    """Translates with ``workers`` Ray actors, each running ``load_translator(spec, **load_options)``.

    Starts a new local Ray instance when Ray is not running and ``address`` is None, otherwise joins
    ``address`` ('auto': the cluster of $RAY_ADDRESS or of this machine; or 'ray://HOST:PORT'). ``workers``
    defaults to as many as the cluster's CPUs (GPUs when ``gpus_per_worker``) hold; ``notice`` hears when they
    must wait for nodes to join. ``actors`` are the Ray actor handles; ``close()`` ends them.
    """

    def __init__(self, spec: ModelSpec, *, address: str | None = None, workers: int | None = None,
                 cpus_per_worker: float = 1, gpus_per_worker: float = 0, batch_size: int = DEFAULT_BATCH_SIZE,
                 notice: Callable[[str], None] | None = None, **load_options):
        ray = import_ray()
        if not ray.is_initialized():  # a new local instance, quiet, unless told to join a cluster
            local = {"address": "local", "include_dashboard": False} if address is None else {"address": address}
            try:
                ray.init(log_to_driver=False, logging_level=logging.ERROR, **local)
            except (ConnectionError, ValueError) as error:  # unreachable, or not an address at all
                raise UserError(f"cannot join Ray at {address}: {str(error).splitlines()[0]}") from None
        workers = workers or self._fitting_workers(ray.cluster_resources(), cpus_per_worker, gpus_per_worker)
        self._check_resources(ray.cluster_resources(), workers, cpus_per_worker, gpus_per_worker, address, notice)
        actor = ray.remote(_Worker).options(num_cpus=cpus_per_worker, num_gpus=gpus_per_worker,
                                            max_restarts=MAX_RESTARTS, max_task_retries=0)
        options = {**load_options, "batch_size": batch_size}
        self.actors = [actor.remote(spec, options) for _ in range(workers)]
        self._idle = deque(range(workers))  # workers ready for a batch
        self._restarting: dict = {}  # a dead worker's readiness call -> the worker, back when it answers
        self.batch_size = batch_size
        self.chunk_sentences = TASKS_PER_WORKER * workers * batch_size  # for run_batch: work for every worker
        self.resubmitted = 0  # batches run again after their worker died
        self._confidence: dict[str, float | None] = {}  # the workers' confidences, by stripped sentence
        self._repaired: set[str] = set()  # sentences whose translation, from a worker, is a repair
        try:
            self.identity, self.label = self._common_description(ray)
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _fitting_workers(resources: dict, cpus: float, gpus: float) -> int:
        if gpus:
            return max(1, int(resources.get("GPU", 0) // gpus))
        return max(1, int(resources.get("CPU", 1) // cpus)) if cpus else 1

    @staticmethod
    def _check_resources(resources: dict, workers: int, cpus: float, gpus: float, address: str | None,
                         notice: Callable[[str], None] | None = None) -> None:
        """Refuse what a local instance can never hold; on a cluster, tell ``notice`` the workers wait for more
        nodes."""
        short = [f"{workers} x {need:g} {kind} but the cluster has {resources.get(kind, 0):g}"
                 for kind, need in (("CPU", cpus), ("GPU", gpus)) if need and workers * need > resources.get(kind, 0)]
        if short and address is None:
            raise UserError(f"--workers {workers}: needs {'; '.join(short)} "
                            "(lower --workers or the per-worker resources)")
        if short and notice:
            notice(f"workers need {'; '.join(short)}: some wait until nodes join")

    def _common_description(self, ray) -> tuple[str, str]:
        """Every worker's translator identity and label, which must be one (same model files, engine, options)."""
        try:
            descriptions = set(ray.get([actor.describe.remote() for actor in self.actors]))
        except ray.exceptions.RayTaskError as error:
            if isinstance(error.cause, UserError):
                raise UserError(str(error.cause)) from None
            raise
        except ray.exceptions.RayActorError as error:
            lines = [line.strip() for line in str(error).splitlines() if line.strip()]
            raise UserError(f"a Ray worker could not start: {lines[-1] if lines else error}") from None
        if len(descriptions) > 1:
            identities = sorted(identity for identity, _ in descriptions)
            raise UserError(f"Ray workers loaded different models or engines: {', '.join(identities)}")
        return descriptions.pop()

    def confidence(self, sentence: str) -> float | None:
        """The worker's ``Translator.confidence`` in the translation of ``sentence`` (None if not translated
        here)."""
        return self._confidence.get(sentence.strip())

    def _submit(self, worker: int, sentences: list[str]):
        return self.actors[worker].translate.remote(sentences)

    def translate(self, sentences: Sequence[str], progress: Callable[[int], None] | None = None,
                  on_translated: Callable[[list[tuple[int, str]]], None] | None = None) -> list[str]:
        """One translation per sentence, same order. As each batch comes back, ``progress(n)`` is told that
        n more sentences are done and ``on_translated`` receives them as (index, translation) pairs."""
        import ray

        # Similar lengths share a batch (less padding); the workers take batches as they become free.
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        queue = deque(order[start:start + self.batch_size] for start in range(0, len(order), self.batch_size))
        outputs = [""] * len(sentences)  # every one is set before the return
        attempts: Counter[int] = Counter()  # failures by the batch's first index
        running: dict = {}  # call -> (worker, batch)
        try:
            while queue or running:
                while queue and self._idle:
                    batch, worker = queue.popleft(), self._idle.popleft()
                    running[self._submit(worker, [sentences[i] for i in batch])] = worker, batch
                if not running and not self._restarting:
                    raise RuntimeError(f"all {len(self.actors)} Ray workers are lost")
                [ref], _ = ray.wait([*self._restarting, *running], num_returns=1)  # restarted workers first
                if ref in self._restarting:
                    self._rejoin(ref)
                    continue
                worker, batch = running.pop(ref)
                try:
                    texts, confidences, repairs = zip(*ray.get(ref))
                except ray.exceptions.RayTaskError as error:  # the model failed: fail this call like a local one
                    self._idle.append(worker)
                    raise error.cause from None
                except ray.exceptions.RayActorError as error:  # the worker died: its batch goes to the next free worker
                    self._wait_for_restart(worker)
                    attempts[batch[0]] += 1
                    if attempts[batch[0]] >= MAX_ATTEMPTS:
                        raise RuntimeError(f"Ray workers died {MAX_ATTEMPTS} times on one batch of {len(batch)} "
                                           "sentences") from error
                    queue.appendleft(batch)
                    self.resubmitted += 1
                    continue
                for i, text, confidence, repaired in zip(batch, texts, confidences, repairs):
                    outputs[i] = text
                    self._confidence[sentences[i].strip()] = confidence
                    if repaired:
                        self._repaired.add(sentences[i].strip())
                self._idle.append(worker)
                if progress:
                    progress(len(batch))
                if on_translated:
                    on_translated(list(zip(batch, texts)))
        finally:  # after an error, workers still busy with this call's batches take new ones after those
            self._idle.extend(worker for worker, _ in running.values())
        return outputs

    def repaired(self, sentence: str) -> bool:
        """Whether the translation the workers gave ``sentence`` is a repair (``Translator.repaired``)."""
        return sentence.strip() in self._repaired

    def _wait_for_restart(self, worker: int) -> None:
        """Ask the dead worker to describe itself: Ray answers once it has restarted the worker, or fails when
        it gives up."""
        call = self.actors[worker].describe.options(max_task_retries=-1).remote()
        self._restarting[call] = worker

    def _rejoin(self, call) -> None:
        """A restarted worker takes batches again if it still runs the same model; otherwise it is left out."""
        import ray

        worker = self._restarting.pop(call)
        try:
            identity, _ = ray.get(call)
        except ray.exceptions.RayError:  # restarts used up, or the model no longer loads there
            return
        if identity == self.identity:
            self._idle.append(worker)

    def close(self) -> None:
        """End the workers (a Ray instance this process started ends with the process)."""
        import ray

        for actor in self.actors:
            ray.kill(actor, no_restart=True)
        self._idle.clear()
        self._restarting.clear()
