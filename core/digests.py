"""The SHA-256 of a file: how the build records its inputs, and how imported boundaries and
demand files are recognised and kept (their stored name starts with it).

One function, read in blocks so a large boundary file is never held twice; there were two
identical copies (demand.store, geo.boundaries) and three inline ones (etl.pipeline).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

BLOCK_BYTES = 1 << 20


def file_sha256(path: Path) -> str:
    """The file's SHA-256 as 64 hex digits (OSError when it cannot be read)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(BLOCK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()
