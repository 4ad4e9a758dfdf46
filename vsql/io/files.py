"""Finite file inputs: an NDJSON or CSV file read in blocks cut at line ends, decoded per block.

Blocks are about ``block_bytes`` long (default 2 MiB) and always end at a newline, so no line is
split between two decodes. CSV fields holding newlines inside quotes are not supported.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path
from typing import BinaryIO

from vsql.io.errors import InputError
from vsql.io.formats.decoded import Decoded
from vsql.io.formats.decoder import Format, block_decoder

__all__ = ["DEFAULT_BLOCK_BYTES", "format_of", "read_blocks", "read_file"]

DEFAULT_BLOCK_BYTES = 2 << 20


def format_of(path: Path) -> Format:
    """The format a file name implies: ``.csv`` is CSV, anything else JSON (NDJSON)."""
    return Format.CSV if path.suffix.lower() == ".csv" else Format.JSON


def read_file(
    path: str | Path,
    *,
    file_format: Format | str | None = None,
    projection: Collection[str] | None = None,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> Iterator[Decoded]:
    """Decode a file block by block.

    Args:
        path: the NDJSON or CSV file.
        file_format: its format (or the format's name); None infers it from the suffix.
        projection: the fields to decode (case-insensitive), None for all.
        block_bytes: the approximate size of a block.

    Returns:
        One ``Decoded`` (batch, dead letters) per block, in file order.

    Raises:
        InputError: the format is unknown (at once); the file is missing or cannot be read (while
            iterating).
        UnsupportedError: the format cannot be read from files (at once).
    """
    path = Path(path)
    decoder = block_decoder(file_format or format_of(path), projection=projection)
    return map(decoder.decode_block, read_blocks(path, block_bytes=block_bytes))


def read_blocks(
    path: str | Path, *, block_bytes: int = DEFAULT_BLOCK_BYTES, start: int = 0
) -> Iterator[bytes]:
    """The bytes of a file in blocks of whole lines (the last one may lack its newline).

    Args:
        path: the file.
        block_bytes: the approximate size of a block.
        start: the byte to start at (the end of a block read earlier).

    Raises:
        InputError: the file is missing or cannot be read.
    """
    path = Path(path)
    try:
        stream = path.open("rb")
    except OSError as error:
        raise InputError(f"cannot open input file {str(path)!r}: {error.strerror or error}") from error
    with stream:
        stream.seek(start)
        yield from _blocks(stream, path=path, block_bytes=block_bytes)


def _blocks(stream: BinaryIO, *, path: Path, block_bytes: int) -> Iterator[bytes]:
    carry = b""
    while True:
        try:
            chunk = stream.read(block_bytes)
        except OSError as error:
            raise InputError(f"cannot read input file {str(path)!r}: {error.strerror or error}") from error
        if not chunk:
            break
        data = carry + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
            continue
        carry = data[cut + 1 :]
        yield data[: cut + 1]
    if carry:
        yield carry
