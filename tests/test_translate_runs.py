"""translate_runs.translate_files: every FILE prepared before a model loads, each model in turn into its own
folder, one FILE's error reported while the others go on, what is shown handed to the show."""

from pathlib import Path

import pytest

from translate_cli.errors import UserError
from translate_cli.translate_runs import translate_files

TEXT = "Kota itu kembali tenang pada hari Senin.\n\nPasar dibuka lagi setelah bentrokan."


class UpperTranslator:
    identity = label = "upper"

    def translate(self, sentences, progress=None, on_translated=None):
        outputs = [s.upper() for s in sentences]
        if progress:
            progress(len(outputs))
        if on_translated:
            on_translated(list(enumerate(outputs)))
        return outputs


class Recorder:
    def __init__(self):
        self.streamed, self.shown = [], []

    def stream(self, pieces):
        self.streamed.append("".join(pieces))

    def finished(self, article, target, result, written):
        self.shown.append((article.stem, target, [path.name for path in written]))


@pytest.fixture
def files(tmp_path):
    paths = [tmp_path / "a.id.txt", tmp_path / "b.id.txt"]
    for path in paths:
        path.write_text(TEXT, encoding="utf-8")
    return paths


def test_each_model_writes_each_file_into_its_own_folder(files, tmp_path):
    opened, show = [], Recorder()

    def open_model(name):
        opened.append(name)
        return UpperTranslator()

    out = tmp_path / "out"
    failed = translate_files(files, out, ["m1", "m2"], open_model, show, force=True, quiet=True)
    assert failed == 0 and opened == ["m1", "m2"] and show.streamed == []
    assert [(stem, target) for stem, target, _ in show.shown] == [
        ("a", out / "a" / "m1"), ("b", out / "b" / "m1"), ("a", out / "a" / "m2"), ("b", out / "b" / "m2")]
    assert "a.en.txt" in show.shown[0][2]
    assert (out / "b" / "m2" / "b.en.txt").read_text(encoding="utf-8").startswith("KOTA ITU KEMBALI")


def test_one_bad_file_is_reported_and_the_others_go_on(files, tmp_path):
    errors, show = [], Recorder()
    missing = tmp_path / "missing.txt"
    failed = translate_files([files[0], missing], tmp_path / "out", None, lambda name: UpperTranslator(), show,
                             force=True, quiet=True, on_error=errors.append)
    assert failed == 1 and [stem for stem, _, _ in show.shown] == ["a"]
    assert len(errors) == 1 and str(missing) in str(errors[0])
    with pytest.raises(UserError):  # one FILE: its error ends the run
        translate_files([missing], tmp_path / "out", None, lambda name: UpperTranslator(), show, force=True)


def test_no_model_loads_when_no_file_could_be_read(tmp_path):
    def open_model(name):
        raise AssertionError("no model should load")

    failed = translate_files([tmp_path / "x.txt", tmp_path / "y.txt"], tmp_path / "out", None, open_model,
                             Recorder(), on_error=lambda error: None)
    assert failed == 2


def test_plain_text_for_stdout_alone_is_streamed(files):
    show = Recorder()
    translate_files([files[0]], Path("-"), None, lambda name: UpperTranslator(), show, force=True, quiet=True)
    assert show.shown == [] and show.streamed[0].startswith("KOTA ITU KEMBALI TENANG")
    with pytest.raises(UserError, match="several models cannot share stdout"):
        translate_files([files[0]], Path("-"), ["m1", "m2"], lambda name: UpperTranslator(), show, force=True)
