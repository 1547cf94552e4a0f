"""Markers for formats whose encoders depend on how Pillow and pillow-heif were built."""

from __future__ import annotations

import pytest
from PIL import features


def heif_encoder_available() -> bool:
    try:
        import pillow_heif
    except ImportError:
        return False
    return bool(pillow_heif.libheif_info().get("HEIF"))


needs_heif = pytest.mark.skipif(not heif_encoder_available(),
                                reason="no HEIF encoder in pillow_heif")
needs_avif = pytest.mark.skipif(not features.check("avif"), reason="Pillow cannot write AVIF")
