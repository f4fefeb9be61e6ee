"""One file hash (core.digests.file_sha256): the build's record of its inputs, the imported
boundaries and the demand store all name a file by the same SHA-256."""

from __future__ import annotations

import hashlib

from core import digests
from demand import store
from etl import pipeline
from geo import boundaries


def test_a_file_hash_is_its_sha256_across_block_boundaries(tmp_path):
    for size in (0, 1, digests.BLOCK_BYTES, digests.BLOCK_BYTES + 7):
        path = tmp_path / f"f{size}"
        raw = bytes(i % 251 for i in range(size))
        path.write_bytes(raw)
        assert digests.file_sha256(path) == hashlib.sha256(raw).hexdigest()


def test_every_file_hash_is_the_one_function():
    assert store.file_sha256 is boundaries.file_sha256 is pipeline.file_sha256 is digests.file_sha256
