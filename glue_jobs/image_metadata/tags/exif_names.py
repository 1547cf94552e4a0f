"""Names of the tags in each IFD: piexif's tables, completed with what they lack.

piexif knows the TIFF, EXIF 2.32 and DNG tags but not EXIF 3.0's additions (composite
images, image title and editors), the Interop IFD beyond its index, two baseline TIFF tags
and the widely written extensions (IPTC, GeoTIFF, Microsoft's padding). Names follow the
standard that defines each tag, as piexif's do, so ``exif`` keys stay stable.
"""

from __future__ import annotations

import piexif

_IMAGE_EXTRA = {
    0x0118: "MinSampleValue",
    0x0119: "MaxSampleValue",
    0x830E: "ModelPixelScale",  # GeoTIFF
    0x83BB: "IPTCNAA",
    0x8482: "ModelTiePoint",
    0x85D8: "ModelTransformation",
    0x8649: "PhotoshopSettings",
    0x87AF: "GeoKeyDirectory",
    0x87B0: "GeoDoubleParams",
    0x87B1: "GeoAsciiParams",
    0xEA1C: "Padding",  # Microsoft's reserve for rewriting in place
    0xEA1D: "OffsetSchema",
}

_EXIF_EXTRA = {
    0xA436: "ImageTitle",  # EXIF 3.0
    0xA437: "Photographer",
    0xA438: "ImageEditor",
    0xA439: "CameraFirmware",
    0xA43A: "RAWDevelopingSoftware",
    0xA43B: "ImageEditingSoftware",
    0xA43C: "MetadataEditingSoftware",
    0xA460: "CompositeImage",  # EXIF 2.32, missing from piexif
    0xA461: "SourceImageNumberOfCompositeImage",
    0xA462: "SourceExposureTimesOfCompositeImage",
    0xEA1C: "Padding",
    0xEA1D: "OffsetSchema",
}

_INTEROP = {
    0x0001: "InteroperabilityIndex",
    0x0002: "InteroperabilityVersion",
    0x1000: "RelatedImageFileFormat",
    0x1001: "RelatedImageWidth",
    0x1002: "RelatedImageLength",
}


def _names(table: dict) -> dict[int, str]:
    return {tag: info["name"] for tag, info in table.items()}


_IMAGE = {**_names(piexif.TAGS["Image"]), **_IMAGE_EXTRA}
_EXIF = {**_names(piexif.TAGS["Exif"]), **_EXIF_EXTRA}

# Writers put EXIF tags in IFD0 and TIFF tags in the Exif IFD (both seen in camera files);
# exiftool names them wherever they are, so each of the two knows the other's tags.
NAMES: dict[str, dict[int, str]] = {
    "IFD0": {**_EXIF, **_IMAGE},
    "Exif": {**_IMAGE, **_EXIF},
    "GPS": _names(piexif.TAGS["GPS"]),
    "Interop": _INTEROP,
}


def tag_name(ifd: str, tag: int) -> str:
    """The tag's name, or ``Tag0xNNNN`` for a private tag no standard defines."""
    return NAMES[ifd].get(tag) or f"Tag0x{tag:04X}"
