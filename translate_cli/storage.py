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
    """Copy every file under ``root`` into ``folder``, keeping relative paths."""
    for remote in fs.find(root):
        relative = remote[len(root):].lstrip("/")
        if relative:
            target = folder / relative
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
