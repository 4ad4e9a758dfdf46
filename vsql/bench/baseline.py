"""Stored baselines: named bench run documents in ``bench/baselines/NAME.json``.

A baseline is a ``BenchRun`` document (see ``vsql.bench.result``) kept under a name. The folder is
relative to the current directory unless given. Saving never overwrites without ``force``;
loading warns (through logging) when the baseline was measured on a machine unlike this one,
as pytest-benchmark does, since absolute figures then mean little (normalized ones still do).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from vsql.bench.result import BenchFileError, BenchRun, Machine

__all__ = [
    "DEFAULT_DIR",
    "BaselineExistsError",
    "BaselineInfo",
    "BaselineNotFoundError",
    "baseline_path",
    "list_baselines",
    "load",
    "save",
    "writable_path",
]

logger = logging.getLogger(__name__)

DEFAULT_DIR = Path("bench/baselines")
"""Where baselines live, relative to the current directory."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class BaselineNotFoundError(BenchFileError):
    """No baseline of that name exists; the message lists the ones that do."""


class BaselineExistsError(BenchFileError):
    """A baseline of that name exists and overwriting was not asked for."""


@dataclass(frozen=True)
class BaselineInfo:
    """One stored baseline, as ``vsql bench baseline list`` shows it."""

    name: str
    path: Path
    timestamp: str
    machine: Machine
    workloads: tuple[str, ...]


def baseline_path(name: str, directory: Path = DEFAULT_DIR) -> Path:
    """The file of baseline ``name``.

    Raises:
        BenchFileError: ``name`` is not a plain file name (letters, digits, ``.``, ``_``, ``-``).
    """
    if _NAME.fullmatch(name) is None:
        raise BenchFileError(f"invalid baseline name {name!r}: use letters, digits, '.', '_' and '-'")
    return directory / f"{name}.json"


def save(run: BenchRun, name: str, *, directory: Path = DEFAULT_DIR, force: bool = False) -> Path:
    """Store ``run`` as baseline ``name``; returns its path.

    Raises:
        BaselineExistsError: the baseline exists and ``force`` is False.
        BenchFileError: an invalid name.
    """
    path = writable_path(name, directory=directory, force=force)
    run.write(path)
    return path


def writable_path(name: str, *, directory: Path = DEFAULT_DIR, force: bool = False) -> Path:
    """The file ``save`` would write for ``name``, checked before a long run is measured.

    Raises:
        BaselineExistsError: the baseline exists and ``force`` is False.
        BenchFileError: an invalid name.
    """
    path = baseline_path(name, directory)
    if path.exists() and not force:
        raise BaselineExistsError(f"baseline {name!r} exists ({path}); use --force to replace it")
    return path


def load(name: str, *, directory: Path = DEFAULT_DIR, machine: Machine | None = None) -> BenchRun:
    """Read baseline ``name``, logging a warning when it was measured on a machine unlike
    ``machine`` (default: this one).

    Raises:
        BaselineNotFoundError: no such baseline (the message lists those in ``directory``).
        BenchFileError: the file is not a valid run document.
    """
    path = baseline_path(name, directory)
    if not path.is_file():
        known = ", ".join(info.name for info in list_baselines(directory)) or "none"
        raise BaselineNotFoundError(f"no baseline {name!r} in {directory}; known: {known}")
    run = BenchRun.read(path)
    differences = (machine or Machine.current()).differences(run.machine)
    if differences:
        logger.warning(
            "baseline %r was measured on another machine (%s): compare normalized figures only",
            name,
            "; ".join(differences),
        )
    return run


def list_baselines(directory: Path = DEFAULT_DIR) -> list[BaselineInfo]:
    """The baselines in ``directory``, by name; files that are not run documents are skipped
    with a warning. An absent directory holds none."""
    infos = []
    for path in sorted(directory.glob("*.json")):
        try:
            run = BenchRun.read(path)
        except BenchFileError as error:
            logger.warning("skipping %s: %s", path, error)
            continue
        infos.append(
            BaselineInfo(
                name=path.stem,
                path=path,
                timestamp=run.timestamp,
                machine=run.machine,
                workloads=tuple(run.names),
            )
        )
    return infos
