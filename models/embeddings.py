"""navec word vectors in little memory.

navec's own loader keeps a Python dict of its 250k words (≈110 MB with the
vectors). Here the words live in one sorted NumPy byte array searched by
bisection, and the product-quantised vectors stay as navec stores them:
≈45 MB, the same vectors.
"""

from __future__ import annotations

import tarfile
from functools import lru_cache
from gzip import GzipFile
from io import BytesIO
from pathlib import Path

import numpy as np

NAVEC_FILE = "navec_news_v1_1B_250K_300d_100q.tar"


class CompactNavec:
    def __init__(self, words: np.ndarray, ids: np.ndarray, indexes: np.ndarray,
                 codes: np.ndarray):
        self.words, self.ids = words, ids            # words sorted; ids[i] = navec row
        self.indexes, self.codes = indexes, codes    # rows × qdim centroid ids; qdim × centroids × part
        self._parts = np.arange(codes.shape[0])

    @classmethod
    def load(cls, path: Path) -> CompactNavec:
        with tarfile.open(path) as tar:
            vocab = tar.extractfile("vocab.bin").read()
            indexes, codes = _pq(tar.extractfile("pq.bin").read())
        words = _words(GzipFile(fileobj=BytesIO(vocab)).read())
        order = np.argsort(words, kind="stable")
        return cls(words[order], order.astype(np.int32), indexes, codes)

    def _id(self, word: str) -> int | None:
        key = word.encode("utf-8")
        i = int(np.searchsorted(self.words, key))
        return int(self.ids[i]) if i < len(self.words) and self.words[i] == key else None

    def __contains__(self, word: str) -> bool:
        return self._id(word) is not None

    def get(self, word: str) -> np.ndarray | None:
        i = self._id(word)
        return None if i is None else self.codes[self._parts, self.indexes[i]].reshape(-1)

    def __getitem__(self, word: str) -> np.ndarray:
        vector = self.get(word)
        if vector is None:
            raise KeyError(word)
        return vector


def _pq(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """navec's product quantisation (its pq.bin), without the ≈200 MB of
    similarity tables navec precomputes on load."""
    vectors, _dim, qdim, centroids = (int(x) for x in np.frombuffer(raw[:16], np.uint32))
    indexes = np.frombuffer(raw, np.uint8, count=vectors * qdim, offset=16).reshape(vectors, qdim)
    codes = np.frombuffer(raw, np.float32, offset=16 + vectors * qdim)
    return indexes, codes.reshape(qdim, centroids, -1)


def _words(raw: bytes) -> np.ndarray:
    """The newline-separated words of navec's vocab.bin as one fixed-width byte
    array, filled slice by slice so no list of 250k objects is ever alive."""
    size = int(np.frombuffer(raw[:4], np.uint32)[0])
    text = raw[4 + 4 * size:]
    cuts = np.flatnonzero(np.frombuffer(text, np.uint8) == ord("\n"))
    starts = np.concatenate(([0], cuts + 1))
    ends = np.concatenate((cuts, [len(text)]))
    out = np.empty(len(starts), dtype=f"S{int((ends - starts).max())}")
    for i, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        out[i] = text[a:b]
    return out


@lru_cache(maxsize=1)
def navec() -> CompactNavec:
    """natasha's navec embedding, read from its wheel (≈0.5 s, ≈45 MB)."""
    from analyzer.names import natasha_data

    return CompactNavec.load(natasha_data() / "emb" / NAVEC_FILE)
