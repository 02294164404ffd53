"""Batch folders given as fsspec URLs (``s3://``, ``gs://``, ``file://``, ``memory://``), so that a run on a
cluster reads and writes object storage while its driver keeps the lock, the cache and the manifest on
local disk.

The batch itself works on local folders: a URL input (INDIR, REFDIR) is copied into a staging folder for
the run, and a URL output has a local mirror (under the cache folder, one per URL) whose files are uploaded
as each article is written and when the run ends. A mirror that is new downloads what the URL already
holds, so a run resumes on another driver. Local paths pass through untouched, without importing fsspec.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from translate_cli.errors import UserError


def is_url(location: str | Path | None) -> bool:
    """Whether ``location`` is a URL (``scheme://...``) rather than a local path."""
    return location is not None and "://" in str(location)


def join(location: str | Path, name: str) -> str | Path:
    """``location/name`` for a local path or a URL."""
    return f"{str(location).rstrip('/')}/{name}" if is_url(location) else Path(location) / name


def _filesystem(url: str):
    """The fsspec filesystem and root path of ``url``; a missing driver (s3fs, gcsfs) is a user error."""
    try:
        import fsspec
    except ImportError:
        raise UserError(f"{url}: URLs need fsspec: pip install fsspec") from None
    try:
        fs, root = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:  # e.g. s3:// without s3fs: pip install 'translate-cli[cloud]'
        raise UserError(f"{url}: {str(exc).splitlines()[0]} (s3:// and gs:// need: pip install "
                        "'translate-cli[cloud]')") from None
    return fs, root.rstrip("/")


def check_apart(indir: str | Path, outdir: str | Path) -> None:
    """Refuse OUTDIR equal to INDIR or inside it when either is a URL: INDIR is copied whole, so outputs
    there would be read as articles by the next run. (Local folders are compared by ``batch``, which
    leaves an OUTDIR inside INDIR out of its search.)"""
    if not (is_url(indir) or is_url(outdir)):
        return
    (in_kind, in_path), (out_kind, out_path) = _where(indir), _where(outdir)
    if in_kind == out_kind and (out_path == in_path or out_path.startswith(f"{in_path.rstrip('/')}/")):
        raise UserError(f"the output folder {outdir} must lie outside the input folder {indir} when either is a URL")


def _where(location: str | Path) -> tuple[str, str]:
    """(protocol, path) of a local path or URL, local files and file:// URLs alike as absolute paths."""
    if is_url(location):
        fs, root = _filesystem(str(location))
        if not _is_local(fs):
            return fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0], root
        location = root
    return "file", str(Path(location).resolve())


def _is_local(fs) -> bool:
    """Whether ``fs`` is this machine's file system (``file://``), where links are resolved."""
    return bool({"file", "local"} & ({fs.protocol} if isinstance(fs.protocol, str) else set(fs.protocol)))


def cache_root() -> Path:
    """The translate-cli cache folder (see ``translate.ct2_cache_dir`` for the same rule)."""
    from translate_cli.translate import ct2_cache_dir

    return ct2_cache_dir().parent


@contextmanager
def local_input(location: str | Path | None, role: str = "input") -> Iterator[Path | None]:
    """A local folder holding ``location``'s files: the path itself, or for a URL a staged copy (removed
    after the run). ``role`` names the folder in errors ("input", "references")."""
    if not is_url(location):
        yield Path(location) if location is not None else None
        return
    fs, root = _filesystem(str(location))
    if not fs.isdir(root):
        raise UserError(f"{role} folder not found: {location}")
    staging = Path(tempfile.mkdtemp(prefix="translate-cli-staging-"))
    try:
        _download(fs, root, staging)
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _download(fs, root: str, folder: Path) -> None:
    """Copy every file under ``root`` into ``folder``, keeping relative paths; UserError, before anything is
    copied, for a listed name that is not under ``root`` or would land outside ``folder`` (``../``, a server's
    hostile listing), or a local link that leads out of ``root`` (as ``batch`` refuses for local folders)."""
    files = []
    for remote in fs.find(root):
        if remote == root:
            continue
        parts = remote[len(root) + 1:].split("/")
        outside = not remote.startswith(f"{root}/") or any(part in ("", ".", "..") for part in parts)
        if outside or _is_local(fs) and not Path(remote).resolve().is_relative_to(Path(root).resolve()):
            raise UserError(f"{root}: lists a file {remote!r} that is not inside it (or links out of it); "
                            "nothing is copied from it")
        files.append((remote, folder.joinpath(*parts)))
    for remote, target in files:
        target.parent.mkdir(parents=True, exist_ok=True)
        fs.get_file(remote, str(target))


class OutputFolder:
    """OUTDIR as the batch writes it: ``local`` is the folder itself, or a URL's mirror; :meth:`publish`
    uploads written files to the URL (nothing to do for a local folder)."""

    def __init__(self, location: str | Path):
        self.location = location
        self.fs = None
        if not is_url(location):
            self.local = Path(location)
            return
        self.fs, self.root = _filesystem(str(location))
        key = hashlib.sha256(str(location).encode()).hexdigest()[:16]
        self.local = cache_root() / "mirrors" / key
        if not self.local.is_dir():
            self.local.mkdir(parents=True)
            if self.fs.isdir(self.root):
                _download(self.fs, self.root, self.local)

    def publish(self, paths: Iterable[Path]) -> None:
        """Upload the files at ``paths`` (inside ``local``) to the same places under the URL."""
        if self.fs is None:
            return
        for path in paths:
            remote = f"{self.root}/{Path(path).relative_to(self.local).as_posix()}"
            try:
                self.fs.makedirs(remote.rsplit("/", 1)[0], exist_ok=True)
                self.fs.put_file(str(path), remote)
            except Exception as exc:  # each fsspec backend raises its own errors (OSError, botocore's, ...)
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise UserError(f"cannot upload {Path(path).name} to {self.location}: {reason} (the run's files are "
                                f"kept in {self.local}; run the same command again to upload them)") from None
