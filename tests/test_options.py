"""One option vocabulary: the old spellings still work, each with a one-line notice, and the model options
reach the library as one ModelOptions (``engines``)."""

from __future__ import annotations

import json

import pytest

from tests.cli_run import assert_one_line_error, run
from translate_cli import cli

ARTICLE = "Harga beras naik 30 persen di pasar kota. Warga mengungsi ke masjid dan sekolah."
REFERENCE = "Rice prices rose 30 percent in the city market.\nResidents fled to mosques and schools.\n"


class _Copy:
    """A stand-in translator that returns each sentence unchanged."""

    identity = label = "copy"

    def translate(self, sentences, progress=None, on_translated=None):
        return list(sentences)


@pytest.fixture
def folders(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "load", lambda *args, **kwargs: _Copy())
    (tmp_path / "in").mkdir()
    (tmp_path / "refs").mkdir()
    (tmp_path / "in" / "a.id.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "refs" / "a.en.txt").write_text(REFERENCE, encoding="utf-8")
    (tmp_path / "hyp.txt").write_text(REFERENCE.upper(), encoding="utf-8")
    return tmp_path


def _notices(err: str) -> list[str]:
    return [line for line in err.splitlines() if "the old spelling still works" in line]


@pytest.mark.parametrize("command, old, new", [
    (["segment", "{in}/a.id.txt"], "--lang=id", "--src-lang=id"),
    (["score", "{root}/hyp.txt", "--json"], "--ref", "--reference"),
    (["batch", "{in}", "-o", "{root}/out", "--json"], "--references", "--reference"),
    (["compare", "{root}/run", "--json"], "--references", "--reference"),
    (["align", "{in}/a.id.txt", "{root}/hyp.txt", "--method", "length"], "--format=jsonl", "--output-format=jsonl"),
])
def test_an_old_spelling_works_as_the_new_one_with_a_notice(folders, monkeypatch, capsys, command, old, new):
    if command[0] == "compare":
        code, _, err = run(["batch", folders / "in", "-o", folders / "run", "-q"], monkeypatch, capsys)
        assert code == 0, err
    value = [] if "=" in old else [str(folders / ("refs/a.en.txt" if command[0] == "score" else "refs"))]
    args = [a.format(root=folders, **{"in": folders / "in"}) for a in command]
    outputs = []
    for spelling in (new, old):
        code, out, err = run([*args, spelling, *value], monkeypatch, capsys)
        assert code == 0, err
        notices = _notices(err)
        if spelling == old:
            assert notices == [f"notice: {old.split('=')[0]} is now {new.split('=')[0]}; the old spelling "
                               "still works"]
        else:
            assert notices == []
        outputs.append(json.loads(out) if "--json" in command else out)
    if command[0] == "batch":  # the second run skips what the first translated; the scores are the same
        assert outputs[0]["corpus"] == outputs[1]["corpus"]
    else:
        assert outputs[0] == outputs[1]


def test_an_old_spelling_repeated_gives_one_notice(folders, monkeypatch, capsys):
    ref = folders / "refs" / "a.en.txt"
    code, out, err = run(["score", folders / "hyp.txt", "--ref", ref, "--ref", ref, "--json"], monkeypatch, capsys)
    assert code == 0, err
    assert len(_notices(err)) == 1 and json.loads(out)["references"] == [str(ref), str(ref)]


def test_old_spellings_are_not_in_help_and_after_a_double_dash_are_files(folders, monkeypatch, capsys):
    code, out, _ = run(["batch", "--help"], monkeypatch, capsys)
    assert code == 0 and "--reference" in out and "--references" not in out
    code, _, err = run(["segment", "--", "--lang"], monkeypatch, capsys)
    assert not _notices(err)
    assert_one_line_error(code, err, "--lang")  # read as a file name: no such file


def test_translate_quiet_and_the_shared_reference_spelling(folders, monkeypatch, capsys):
    code, _, err = run(["translate", folders / "in" / "a.id.txt", "-q", "--reference", folders / "refs" / "a.en.txt",
                        "-o", folders / "t"], monkeypatch, capsys)
    assert code == 0, err
    assert (folders / "t" / "scores.json").is_file()


def test_model_options_refuse_ray_settings_without_ray():
    from translate_cli.engines import ModelOptions
    from translate_cli.errors import UserError

    assert ModelOptions(engine="ray", workers=2).workers == 2
    with pytest.raises(UserError, match="need --engine ray"):
        ModelOptions(workers=2)
    with pytest.raises(UserError, match="unknown engine"):
        ModelOptions(engine="cluster")


def test_model_runs_name_a_subfolder_only_for_several_models():
    from translate_cli.engines import model_runs

    assert model_runs(None) == [(None, None)]
    assert model_runs(["opus-mt", "opus-mt"]) == [("opus-mt", None)]
    assert model_runs(["opus-mt", "a/b"]) == [("opus-mt", "opus-mt"), ("a/b", "a--b")]


def test_open_translator_loads_the_model_here_as_load_translator_does(marian_dir):
    from translate_cli.engines import ModelOptions, open_translator
    from translate_cli.translate import load_translator

    options = ModelOptions(beam=2, batch_size=4, backend="transformers")
    opened = open_translator(str(marian_dir), options)
    loaded = load_translator(str(marian_dir), beam=2, batch_size=4, backend="transformers")
    assert opened.identity == loaded.identity
    assert opened.translate(["Selamat pagi."]) == loaded.translate(["Selamat pagi."])


def test_ray_says_when_it_cannot_help():
    from translate_cli.engines import ModelOptions, ray_cannot_help

    local_ray = ModelOptions(engine="ray", workers=2)
    assert "cannot be faster than --engine local" in ray_cannot_help(local_ray, cores=2)
    assert ray_cannot_help(local_ray, cores=16) is None
    assert ray_cannot_help(ModelOptions(engine="ray", address="ray://head:10001"), cores=2) is None


def test_the_python_api_and_the_cli_share_one_default_batch_size():
    import inspect

    from translate_cli.cli import batch_command, translate_command
    from translate_cli.engines import ModelOptions
    from translate_cli.translate import DEFAULT_BATCH_SIZE, load_translator

    defaults = [inspect.signature(load_translator).parameters["batch_size"].default, ModelOptions().batch_size,
                *(inspect.signature(command).parameters["batch_size"].default
                  for command in (translate_command, batch_command))]
    assert defaults == [DEFAULT_BATCH_SIZE] * 4 and DEFAULT_BATCH_SIZE == 32


def test_a_missing_gpu_is_said_in_plain_words(monkeypatch):
    import torch

    from translate_cli.errors import UserError
    from translate_cli.translate import check_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(UserError, match="^--device cuda: this machine has no CUDA GPU usable by torch") as error:
        check_device("cuda")
    assert " no a " not in str(error.value)


def test_each_model_opens_a_model_only_when_its_run_asks_and_closes_it_after(monkeypatch):
    from translate_cli import engines

    opened, closed = [], []
    monkeypatch.setattr(engines, "close_translator", closed.append)

    def open_model(name):
        opened.append(name)
        return f"translator {name}"

    def run(number, sub, translator):
        assert opened == ["a", "b/c"][:number]  # the model is not open before run asks for it
        if number == 0:
            assert translator() is translator()  # opened once
        return number, sub

    assert engines.each_model(["a", "b/c", "a"], open_model, run) == [(0, "a"), (1, "b--c")]
    assert opened == ["a"] and closed == ["translator a"]  # the second run never asked for its model

    def fails(number, sub, translator):
        translator()
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        engines.each_model(None, open_model, fails)
    assert opened == ["a", None] and closed == ["translator a", "translator None"]
