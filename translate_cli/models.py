"""Registry of known translation models and resolution of the user's ``--model`` value.

Cheap to import: nothing here loads torch or transformers; ``model_table`` imports huggingface_hub.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from translate_cli.errors import UserError
from translate_cli.layout import RUN_FILES

EMBEDDED_DIR = Path(__file__).resolve().parent.parent / "models" / "id-en-small"
DEFAULT_ALIAS = "opus-mt"
ENV_MODEL = "TRANSLATE_CLI_MODEL"

# Language codes each family expects for Indonesian -> English.
FAMILY_LANGS = {
    "marian": ("", ""),
    "nllb": ("ind_Latn", "eng_Latn"),
    "m2m100": ("id", "en"),
    "madlad": ("", "<2en>"),
}


@dataclass(frozen=True)
class ModelSpec:
    """What to load: ``source`` is a hub id or a local folder; languages are in the family's own codes."""

    name: str
    source: str
    family: str
    src_lang: str
    tgt_lang: str
    size: str = ""
    licence: str = ""


def _spec(name: str, source: str, family: str, size: str = "", licence: str = "") -> ModelSpec:
    return ModelSpec(name, source, family, *FAMILY_LANGS[family], size=size, licence=licence)


KNOWN_MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        _spec("opus-mt", "Helsinki-NLP/opus-mt-id-en", "marian", "77M params, 0.3 GB", "Apache-2.0"),
        _spec("nllb-600m", "facebook/nllb-200-distilled-600M", "nllb", "600M params, 2.5 GB", "CC-BY-NC-4.0"),
        _spec("nllb-1.3b", "facebook/nllb-200-distilled-1.3B", "nllb", "1.3B params, 5.5 GB", "CC-BY-NC-4.0"),
        _spec("m2m100-418m", "facebook/m2m100_418M", "m2m100", "418M params, 1.9 GB", "MIT"),
        _spec("madlad-3b", "google/madlad400-3b-mt", "madlad", "3B params, 12 GB", "Apache-2.0"),
        _spec("embedded", str(EMBEDDED_DIR), "marian", "small", "see models/id-en-small"),
    )
}

_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


def detect_family(folder: Path) -> str:
    """Model family of a saved Hugging Face model folder, from its config.json (and tokenizer for NLLB)."""
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise UserError(f"{folder} holds no model (no config.json)")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    model_type = config.get("model_type", "")
    if model_type == "marian":
        return "marian"
    if model_type in ("t5", "mt5"):
        return "madlad"
    if model_type == "m2m_100":
        tok_path = folder / "tokenizer_config.json"
        tok_config = json.loads(tok_path.read_text(encoding="utf-8")) if tok_path.is_file() else {}
        names = f"{tok_config.get('tokenizer_class', '')} {config.get('_name_or_path', '')} {folder.name}"
        is_nllb = "nllb" in names.lower()
        return "nllb" if is_nllb else "m2m100"
    raise UserError(f"{folder}: unsupported model type '{model_type}' (supported: marian, m2m_100/nllb, t5/madlad)")


def _guess_family(hub_id: str) -> str:
    """Family from a hub id's name; load_translator re-checks it against the downloaded config."""
    lowered = hub_id.lower()
    for needle, family in (("nllb", "nllb"), ("m2m", "m2m100"), ("madlad", "madlad"), ("t5", "madlad")):
        if needle in lowered:
            return family
    return "marian"


def local_spec(name: str, folder: Path, size: str = "", licence: str = "") -> ModelSpec:
    """Spec for a model folder on disk, its family detected from the files."""
    return _spec(name, str(folder.resolve()), detect_family(folder), size, licence)


def _default_name() -> str:
    return os.environ.get(ENV_MODEL) or ("embedded" if (EMBEDDED_DIR / "config.json").is_file() else DEFAULT_ALIAS)


def resolve_model(name: str | None) -> ModelSpec:
    """``--model`` value, else $TRANSLATE_CLI_MODEL, else 'embedded' when its folder holds a model, else 'opus-mt'.

    Accepts an alias, a local model folder or a hub id 'org/name'; anything else is a UserError.
    """
    name = name or _default_name()
    if name == "embedded":
        if not (EMBEDDED_DIR / "config.json").is_file():
            raise UserError(f"the embedded model is not installed ({EMBEDDED_DIR} has no config.json)")
        return local_spec(name, EMBEDDED_DIR, KNOWN_MODELS[name].size, KNOWN_MODELS[name].licence)
    if name in KNOWN_MODELS:
        return KNOWN_MODELS[name]
    folder = Path(name).expanduser()
    if folder.is_dir():
        return local_spec(name, folder)
    if _HUB_ID.fullmatch(name) and not name.startswith((".", "~")):
        return _spec(name, name, _guess_family(name))
    raise UserError(
        f"unknown model '{name}': use one of {', '.join(KNOWN_MODELS)}, a local model folder or a hub id 'org/name'"
    )


_READABLE_MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?")


def model_slug(name: str) -> str:
    """A folder name for a ``--model`` value, unique and stable.

    An alias or hub id keeps its name (``Helsinki-NLP/opus-mt-id-en`` -> ``Helsinki-NLP--opus-mt-id-en``);
    anything else (a path, a name with spaces) is a readable slug plus a short hash of the value, so
    ``models/m x`` and ``models/m-x``, or the alias ``opus-mt`` and a folder ``./opus-mt``, never share a folder;
    nor does a model named like a file the batch writes at the top of OUTDIR (``index.html``).
    """
    if _READABLE_MODEL.fullmatch(name) and "--" not in name and ".." not in name and name not in RUN_FILES:
        return name.replace("/", "--")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip("/").replace("/", "--")).strip("-.")[-60:].lstrip("-.")
    return f"{slug or 'model'}-{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def _is_local(spec: ModelSpec) -> bool:
    return Path(spec.source).is_absolute() or Path(spec.source).is_dir()


def is_available(spec: ModelSpec) -> bool:
    """Whether the model can load without network: a local folder, or its config in the Hugging Face cache."""
    if _is_local(spec):
        return (Path(spec.source) / "config.json").is_file()
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(spec.source, "config.json"), str)


def _hub_reachable(timeout: float = 3.0) -> bool:
    """Whether a TCP connection to the hub (or the https proxy) opens within ``timeout`` seconds, DNS included."""
    import socket
    import threading
    from urllib.request import getproxies

    from huggingface_hub import constants

    url = urlparse(getproxies().get("https") or constants.ENDPOINT)
    address = (url.hostname, url.port or (443 if url.scheme == "https" else 80))
    opened: list[bool] = []

    def connect() -> None:
        try:
            socket.create_connection(address, timeout=timeout).close()
            opened.append(True)
        except OSError:
            pass

    probe = threading.Thread(target=connect, daemon=True)
    probe.start()
    probe.join(timeout)
    return bool(opened)


def model_folder(spec: ModelSpec) -> Path:
    """Local folder holding the model's files: the user's folder, the Hugging Face cache, or a fresh download.

    Never waits on an unreachable hub: without a cached copy it fails at once when HF_HUB_OFFLINE is set,
    and after a 3-second probe when the hub cannot be reached.
    """
    folder = Path(spec.source)
    if _is_local(spec):
        if not (folder / "config.json").is_file():
            raise UserError(f"model '{spec.name}': {folder} holds no model (no config.json)")
        return folder
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        folder = Path(snapshot_download(spec.source, local_files_only=True))
        if (folder / "config.json").is_file():
            return folder
    except LocalEntryNotFoundError:
        pass
    reason = "HF_HUB_OFFLINE is set" if constants.is_offline_mode() else None
    if reason is None and not _hub_reachable():
        reason = f"{urlparse(constants.ENDPOINT).hostname} cannot be reached"
    if reason:
        raise UserError(
            f"model '{spec.name}' ({spec.source}) is not in the Hugging Face cache and {reason}: download it once "
            "with network access, pass a local model folder with --model PATH, or set HF_HUB_OFFLINE=1 with "
            "HF_HOME pointing at a filled cache"
        )
    folder = Path(snapshot_download(spec.source, allow_patterns=["*.json", "*.model", "*.spm", "*.safetensors"]))
    if not any(folder.glob("*.safetensors")):
        snapshot_download(spec.source, allow_patterns=["pytorch_model*.bin*"])
    return folder


def model_table() -> list[dict]:
    """One row per known model for ``translate-cli models``."""
    default = _default_name()
    specs = list(KNOWN_MODELS.values())
    if default not in KNOWN_MODELS:  # $TRANSLATE_CLI_MODEL names a folder or a hub id: it gets a row of its own
        try:
            specs.append(resolve_model(default))
        except UserError:
            specs.append(ModelSpec(default, default, "", "", "", "unknown", "unknown"))
    return [
        {
            "alias": spec.name,
            "source": spec.source,
            "family": spec.family,
            "langs": f"{spec.src_lang or 'id'} -> {spec.tgt_lang or 'en'}",
            "size": spec.size,
            "licence": spec.licence,
            "available": is_available(spec) if spec.family else False,
            "default": spec.name == default,
        }
        for spec in specs
    ]
