"""Session-wide fixtures: tiny random-weight translation models, each built once into a temp folder."""

from __future__ import annotations

import pytest

from translate_cli.devkit.tiny_models import build_looping_marian, build_m2m100, build_madlad, build_marian, build_nllb


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory):
    return tmp_path_factory.mktemp("tiny-models")


@pytest.fixture(scope="session")
def marian_dir(tiny_root):
    """A tiny Marian (opus-mt style) model folder."""
    return build_marian(tiny_root / "marian")


@pytest.fixture(scope="session")
def looping_dir(tiny_root):
    """A tiny Marian whose output loops unless repaired (``devkit.tiny_models.build_looping_marian``)."""
    return build_looping_marian(tiny_root / "looping")


@pytest.fixture(scope="session")
def m2m100_dir(tiny_root):
    """A tiny M2M-100 model folder (``__id__``/``__en__`` language tokens)."""
    return build_m2m100(tiny_root / "m2m100")


@pytest.fixture(scope="session")
def nllb_dir(tiny_root):
    """A tiny NLLB model folder (``ind_Latn``/``eng_Latn`` codes)."""
    return build_nllb(tiny_root / "nllb")


@pytest.fixture(scope="session")
def madlad_dir(tiny_root):
    """A tiny MADLAD/T5 model folder (``<2en>`` prefix)."""
    return build_madlad(tiny_root / "madlad")


@pytest.fixture(scope="session")
def ct2_cache_root(tmp_path_factory):
    """A CTranslate2 conversion cache shared by the session (conversions are reused across tests)."""
    return tmp_path_factory.mktemp("translate-cli-cache")


@pytest.fixture(autouse=True)
def _isolated(ct2_cache_root, monkeypatch):
    """Every test: the CT2 cache in a temp folder (never ~/.cache); one compute thread (shared cores)."""
    monkeypatch.setenv("TRANSLATE_CLI_CACHE", str(ct2_cache_root))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.delenv("TRANSLATE_CLI_MODEL", raising=False)
