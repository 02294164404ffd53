"""batch on Ray: same outputs as the local engine, a killed worker loses nothing, a missing Ray is one line.

The Ray tests share one local Ray instance (2 CPUs) started by this module.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from cli_run import assert_one_line_error, run

from translate_cli import batch
from translate_cli.batch import run_batch
from translate_cli.layout import CACHE_NAME
from translate_cli.models import local_spec
from translate_cli.ray_engine import RayTranslator

pytestmark = [pytest.mark.xdist_group("ray"),  # with -n, the module's tests share one worker and one Ray instance
              pytest.mark.slow]

# Sentences of many lengths, short ones among them: a random model never stops early, so its output fills each
# sentence's own length budget, the case where a budget taken from batch-mates would show. The two engines batch
# differently (Ray 2 sentences a batch, local 16) and must still write the same outputs.
HEADLINE = "Kota terbesar di Kazakhstan kembali online setelah bentrokan dan pemadaman listrik"
REPEATED = "Namun pemerintah otoriter juga kesulitan untuk memperkuat narasinya sendiri."
ARTICLES = {
    "satu.id.txt": f"{HEADLINE}\n\nDia mengatakan kepada AFP bahwa selama bentrokan pada Rabu malam, tentara "
                   "yang terluka diseret ke halaman gedung apartemen tempat dia tinggal untuk perawatan darurat. "
                   f"{REPEATED}",
    "berita/dua.id.txt": "Pemerintah Kazakhstan mengatakan pada hari Senin bahwa laporan media asing menciptakan kesan "
                         "yang salah. Pasukan keamanan kami menghadapi gerombolan kekerasan yang melakukan tindakan "
                         f"terorisme brutal, kata Kementerian Luar Negeri.\n\n{REPEATED}",
    "berita/tiga.md": "Kementerian Penerangan pada Minggu malam mencabut pernyataan yang muncul sebelumnya di saluran "
                      "Telegram resmi yang mengatakan bahwa lebih dari 164 orang tewas dalam kerusuhan tersebut.",
    "empat.txt": "Dua situs swasta yang melaporkan berita tersebut mengatakan kementerian informasi mengatakan kepada "
                 "mereka bahwa pernyataan tersebut disebabkan oleh kesalahan teknis. Toko-toko dibuka kembali.\n\n"
                 "Bank buka.",
}
OPTIONS = {"beam": 2, "backend": "ctranslate2"}  # what both engines load; CT2 as the CLI's 'auto' picks here


@pytest.fixture(scope="module")
def module_env(ct2_cache_root):
    """What the autouse ``_isolated`` sets for each test, for this module's shared fixtures and Ray workers."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRANSLATE_CLI_CACHE", str(ct2_cache_root))
        patch.setenv("OMP_NUM_THREADS", "1")
        yield


@pytest.fixture(scope="module")
def ray_instance(module_env):
    """One local Ray instance for the module; its workers inherit the module's environment."""
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def articles(tmp_path_factory) -> Path:
    indir = tmp_path_factory.mktemp("ray-articles")
    for relpath, text in ARTICLES.items():
        (indir / relpath).parent.mkdir(parents=True, exist_ok=True)
        (indir / relpath).write_text(text, encoding="utf-8")
    return indir


@pytest.fixture(scope="module")
def local_out(module_env, articles, marian_dir, tmp_path_factory) -> Path:
    """The local engine's outputs, the reference for the Ray runs."""
    from translate_cli.translate import load_translator

    out = tmp_path_factory.mktemp("ray-local") / "out"
    run_batch(articles, out, load_translator(local_spec("tiny", marian_dir), **OPTIONS), quiet=True)
    return out


def output_files(outdir: Path) -> dict[str, str]:
    """Every output file's text by relative path, with OUTDIR's own path and the timings left out."""
    files = {p.relative_to(outdir).as_posix():
             re.sub(r"\bin [0-9.]+ s\b", "in - s", p.read_text(encoding="utf-8").replace(str(outdir), "OUTDIR"))
             for p in outdir.rglob("*") if p.is_file() and p.name not in (CACHE_NAME, ".lock")}
    summary = json.loads(files.pop("summary.json"))
    del summary["last_run"]["seconds"], summary["job"]["seconds"]
    files["summary.json"] = json.dumps(summary, sort_keys=True)
    return files


def cached_sentences(outdir: Path) -> int:
    with sqlite3.connect(outdir / CACHE_NAME) as db:
        return db.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]


class KillingRayTranslator(RayTranslator):
    """Kills the worker that receives submission number ``kill_at`` right after it is sent (Ray restarts it)."""

    kill_at: int | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.used: list[int] = []  # the worker of each batch sent

    @property
    def submitted(self) -> int:
        return len(self.used)

    def _submit(self, worker, sentences):
        self.used.append(worker)
        if self.submitted != self.kill_at:
            return super()._submit(worker, sentences)
        import ray

        # The doomed batch is made long (distinct sentences, seconds of work), so that the kill surely lands
        # while it runs: a tiny model finishes a short batch before Ray delivers the kill.
        ref = super()._submit(worker, [f"{sentence} {n}" for n in range(300) for sentence in sentences])
        ray.kill(self.actors[worker], no_restart=False)
        return ref


@pytest.fixture(scope="module")
def ray_translator(ray_instance, marian_dir):
    """Two workers shared by the module's tests (each loads the model once); 2 sentences per batch."""
    translator = KillingRayTranslator(local_spec("tiny", marian_dir), workers=2, batch_size=2, **OPTIONS)
    yield translator
    translator.close()


@pytest.mark.ray
def test_ray_and_local_engines_write_the_same_outputs(ray_translator, articles, local_out, tmp_path):
    summary = run_batch(articles, tmp_path / "out", ray_translator, quiet=True)
    assert summary.ok and ray_translator.resubmitted == 0
    assert ray_translator.submitted >= 4  # the work was spread: several batches on two workers
    assert output_files(tmp_path / "out") == output_files(local_out)
    assert cached_sentences(tmp_path / "out") == cached_sentences(local_out) == summary.translated_sentences
    rows = [json.loads(line) for line in (tmp_path / "out" / "satu" / "satu.jsonl").read_text().splitlines()]
    assert rows and all(isinstance(row["confidence"], float) for row in rows)  # the workers' confidences, kept


@pytest.mark.ray
def test_killed_worker_loses_nothing_and_rerun_skips_all(ray_instance, ray_translator, articles, local_out, tmp_path,
                                                         monkeypatch):
    writes = Counter()
    write_outputs = batch.write_outputs
    monkeypatch.setattr(batch, "write_outputs", lambda result, folder, *rest: writes.update([folder]) or
                        write_outputs(result, folder, *rest))
    ray_translator.kill_at = ray_translator.submitted + 2  # the second worker, its first batch in flight
    resubmitted = ray_translator.resubmitted
    first = run_batch(articles, tmp_path / "out", ray_translator, quiet=True)
    assert ray_translator.resubmitted == resubmitted + 1  # the killed worker's batch, run again
    assert first.ok and {a.status for a in first.articles} == {"translated"}
    assert sorted(writes.values()) == [1] * len(ARTICLES)  # each article written once
    assert output_files(tmp_path / "out") == output_files(local_out)
    assert cached_sentences(tmp_path / "out") == first.translated_sentences

    second = run_batch(articles, tmp_path / "out", ray_translator, quiet=True)
    assert {a.status for a in second.articles} == {"skipped"} and second.translated_sentences == 0

    killed, sent = ray_translator.used[ray_translator.kill_at - 1], ray_translator.submitted
    ray_instance.get(list(ray_translator._restarting))  # Ray has restarted the killed worker: it takes batches again
    assert ray_translator.translate(["Satu.", "Dua.", "Tiga.", "Empat."]) and killed in ray_translator.used[sent:]


class InterruptedAfter:
    """Passes ``calls`` translate calls to ``translator``, then is interrupted (Ctrl-C)."""

    def __init__(self, translator, calls: int):
        self.translator, self.calls = translator, calls
        self.identity, self.label = translator.identity, translator.label
        self.confidence = translator.confidence

    def translate(self, sentences, progress=None, on_translated=None):
        if self.calls == 0:
            raise KeyboardInterrupt
        self.calls -= 1
        return self.translator.translate(sentences, progress=progress, on_translated=on_translated)


@pytest.mark.ray
def test_ray_run_resumed_locally_equals_a_local_run(ray_translator, articles, local_out, marian_dir, tmp_path):
    from translate_cli.translate import load_translator

    with pytest.raises(batch.Interrupted):
        run_batch(articles, tmp_path / "out", InterruptedAfter(ray_translator, 1), quiet=True, chunk_sentences=4)
    kept = cached_sentences(tmp_path / "out")
    assert 0 < kept < cached_sentences(local_out)
    resumed = run_batch(articles, tmp_path / "out", load_translator(local_spec("tiny", marian_dir), **OPTIONS),
                        quiet=True)
    assert resumed.translated_sentences == cached_sentences(local_out) - kept  # the Ray run's sentences reused
    articles_only = [output_files(out) for out in (tmp_path / "out", local_out)]
    for files in articles_only:  # the run's own records count sentences translated and reused differently
        del files["summary.json"], files["index.html"]
    assert articles_only[0] == articles_only[1]


def test_missing_ray_is_one_line(articles, marian_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    code, _, err = run(["batch", articles, "-o", tmp_path / "out", "--model", marian_dir, "--engine", "ray"],
                       monkeypatch, capsys)
    assert_one_line_error(code, err, "pip install 'translate-cli[ray]'")


def test_local_engine_never_imports_ray(articles, tmp_path):
    """The batch command with the default engine, its model loader replaced by a stand-in (no torch to import)."""
    code = ("import sys\nfrom translate_cli import cli\n"
            "class Echo:\n    identity = label = 'echo'\n"
            "    def translate(self, sentences, progress=None, on_translated=None):\n        return list(sentences)\n"
            "cli.load = lambda *args: Echo()\n"
            f"sys.argv = ['translate-cli', 'batch', {str(articles)!r}, '-o', {str(tmp_path / 'out')!r}, '-q']\n"
            "try:\n    cli.main()\nexcept SystemExit as exit_:\n    assert not exit_.code, exit_.code\n"
            "print('ray imported' if 'ray' in sys.modules else 'no ray')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "no ray"
    assert (tmp_path / "out" / "satu" / "satu.en.txt").read_text(encoding="utf-8").startswith(HEADLINE)


@pytest.mark.ray
def test_ray_workers_repair_as_the_local_translator_does(ray_instance, looping_dir):
    """A model whose outputs loop: the workers repair every sentence, as the local translator does, and the
    driver knows which translations are repairs."""
    from translate_cli.translate import load_translator

    sentences = ["Warga mengungsi ke masjid dan sekolah di kota.", "Harga beras naik di pasar kota.", "Bank buka lagi."]

    spec = local_spec("looping", looping_dir)
    local = load_translator(spec, **OPTIONS)
    # no CPU of its own: the module's two workers hold the instance's two
    remote = RayTranslator(spec, workers=1, cpus_per_worker=0, batch_size=2, **OPTIONS)
    try:
        assert remote.identity == local.identity and "repair=" in remote.identity
        assert remote.translate(sentences) == local.translate(sentences)
        assert all(remote.repaired(s) and local.repaired(s) for s in sentences)
    finally:
        remote.close()
