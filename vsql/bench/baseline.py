"""Stored baselines: named bench run documents, ``NAME.json`` in a baselines folder.

A baseline is a ``BenchRun`` document (see ``vsql.bench.result``) kept under a name. Saving never
overwrites without ``force``; loading warns (through logging) when the baseline was measured on a
machine unlike this one, as pytest-benchmark does, since absolute figures then mean little
(normalized ones still do).

Where baselines live (``locate``), first match wins:

1. ``--dir DIR`` (``directory`` here): save to and read from DIR only.
2. the ``VSQL_BASELINES`` environment variable: save to and read from that folder only.
3. ``./bench/baselines`` when the current directory has one (a project keeping its baselines
   with its code): save there; read there, then the packaged baselines.
4. otherwise the user's data folder, ``$XDG_DATA_HOME/vsql/baselines`` (default
   ``~/.local/share/vsql/baselines``): save there; read there, then the packaged baselines.

The packaged baselines (``vsql/bench/baselines``, shipped with vsql: ``main`` is measured on the
development machine) are a read-only fallback: nothing is saved there unless ``--dir`` names it.
A baseline in the first folder hides a packaged one of the same name.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from vsql.bench.result import BenchFileError, BenchRun, Machine

__all__ = [
    "ENV_VAR",
    "PACKAGED_DIR",
    "PROJECT_DIR",
    "BaselineExistsError",
    "BaselineInfo",
    "BaselineNotFoundError",
    "Locations",
    "baseline_path",
    "list_baselines",
    "load",
    "locate",
    "save",
    "user_dir",
    "writable_path",
]

logger = logging.getLogger(__name__)

ENV_VAR = "VSQL_BASELINES"
"""The environment variable naming the baselines folder (after ``--dir``, before the others)."""

PROJECT_DIR = Path("bench/baselines")
"""A project's baselines folder, relative to the current directory; used when it exists."""

PACKAGED_DIR = Path(__file__).with_name("baselines")
"""The baselines shipped with vsql: read, never written unless named explicitly."""

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


def user_dir() -> Path:
    """The user's baselines folder: ``$XDG_DATA_HOME/vsql/baselines``, or
    ``~/.local/share/vsql/baselines`` when that variable is unset or not an absolute path."""
    data = os.environ.get("XDG_DATA_HOME", "")
    root = Path(data) if data and Path(data).is_absolute() else Path.home() / ".local" / "share"
    return root / "vsql" / "baselines"


@dataclass(frozen=True)
class Locations:
    """Where baselines are saved and looked up (see the module's docstring for the precedence).

    Attributes:
        save_dir: the folder ``save`` writes to.
        search: the folders ``load`` and ``list_baselines`` read, in order (``save_dir`` first).
        origin: what chose ``save_dir`` (``--dir``, ``$VSQL_BASELINES``, ...), for messages.
    """

    save_dir: Path
    search: tuple[Path, ...]
    origin: str

    def describe(self) -> str:
        """The folders read, in order, for messages: ``A then B``."""
        return " then ".join(str(folder) for folder in self.search)


def locate(directory: Path | None = None) -> Locations:
    """Where baselines are saved and read: ``directory`` when given, else by the precedence of
    the module's docstring (the environment and the current directory are read at each call)."""
    if directory is not None:
        return Locations(directory, (directory,), "--dir")
    configured = os.environ.get(ENV_VAR, "")
    if configured:
        folder = Path(configured).expanduser()
        return Locations(folder, (folder,), f"${ENV_VAR}")
    if PROJECT_DIR.is_dir():
        return Locations(PROJECT_DIR, (PROJECT_DIR, PACKAGED_DIR), f"./{PROJECT_DIR} exists")
    folder = user_dir()
    return Locations(folder, (folder, PACKAGED_DIR), "user data folder")


def baseline_path(name: str, directory: Path) -> Path:
    """The file of baseline ``name``.

    Raises:
        BenchFileError: ``name`` is not a plain file name (letters, digits, ``.``, ``_``, ``-``).
    """
    if _NAME.fullmatch(name) is None:
        raise BenchFileError(f"invalid baseline name {name!r}: use letters, digits, '.', '_' and '-'")
    return directory / f"{name}.json"


def save(run: BenchRun, name: str, *, directory: Path | None = None, force: bool = False) -> Path:
    """Store ``run`` as baseline ``name`` in ``directory`` (default: ``locate().save_dir``);
    returns its path.

    Raises:
        BaselineExistsError: the baseline exists and ``force`` is False.
        BenchFileError: an invalid name.
    """
    path = writable_path(name, directory=directory, force=force)
    run.write(path)
    return path


def writable_path(name: str, *, directory: Path | None = None, force: bool = False) -> Path:
    """The file ``save`` would write for ``name``, checked before a long run is measured.

    Raises:
        BaselineExistsError: the baseline exists and ``force`` is False.
        BenchFileError: an invalid name.
    """
    path = baseline_path(name, locate(directory).save_dir)
    if path.exists() and not force:
        raise BaselineExistsError(f"baseline {name!r} exists ({path}); use --force to replace it")
    return path


def load(name: str, *, directory: Path | None = None, machine: Machine | None = None) -> BenchRun:
    """Read baseline ``name`` from the first folder of ``locate(directory).search`` holding it,
    logging a warning when it was measured on a machine unlike ``machine`` (default: this one).

    Raises:
        BaselineNotFoundError: no such baseline (the message names the folders and the baselines
            they hold).
        BenchFileError: the file is not a valid run document.
    """
    locations = locate(directory)
    path = next(
        (path for folder in locations.search if (path := baseline_path(name, folder)).is_file()), None
    )
    if path is None:
        known = ", ".join(info.name for info in list_baselines(directory)) or "none"
        raise BaselineNotFoundError(f"no baseline {name!r} in {locations.describe()}; known: {known}")
    run = BenchRun.read(path)
    differences = (machine or Machine.current()).differences(run.machine)
    if differences:
        logger.warning(
            "baseline %r was measured on another machine (%s): compare normalized figures only",
            name,
            "; ".join(differences),
        )
    return run


def list_baselines(directory: Path | None = None) -> list[BaselineInfo]:
    """The baselines ``load`` finds (in ``locate(directory).search``), by name, each from the first
    folder holding a file of its name; files that are not run documents are skipped with a
    warning (and hide a later folder's file of the same name, as they do from ``load``). An absent
    folder holds none."""
    found: dict[str, BaselineInfo] = {}
    seen: set[str] = set()
    for folder in locate(directory).search:
        for path in sorted(folder.glob("*.json")):
            if path.stem in seen:
                continue
            seen.add(path.stem)
            try:
                run = BenchRun.read(path)
            except BenchFileError as error:
                logger.warning("skipping %s: %s", path, error)
                continue
            found[path.stem] = BaselineInfo(
                name=path.stem,
                path=path,
                timestamp=run.timestamp,
                machine=run.machine,
                workloads=tuple(run.names),
            )
    return [found[name] for name in sorted(found)]
