"""Public names of a package that load on first use (PEP 562), so importing one light module of a
package does not load every module the package re-exports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module

__all__ = ["lazy_exports"]


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package``: each public name is imported from its home
    module (relative to the package) when first asked for.

    Args:
        package: the package's ``__name__``.
        homes: public name -> the module it lives in, relative to the package (``"errors"``).
    """

    def attribute(name: str) -> object:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{home}"), name)

    return attribute
