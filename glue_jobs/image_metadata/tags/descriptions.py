"""What the picture is about and who made it, reconciled across EXIF, IPTC and XMP.

The Metadata Working Group's rules, as exiftool's MWG module applies them: EXIF's
description, artist and copyright win where they are set; between IPTC and XMP, XMP wins
unless the IPTC was changed after the XMP was last written, which the IPTC digest beside it
shows (stored digest present and no longer the IPTC's). Keywords follow the IPTC/XMP rule;
rating, label and the digital source type exist only in XMP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from image_metadata.tags.iptc import IptcData
from image_metadata.tags.xmp_text import XmpText

CREATOR_SEPARATOR = "; "  # the MWG's way of keeping a list in one string


@dataclass
class Descriptions:
    title: str | None = None
    description: str | None = None
    keywords: list[str] = field(default_factory=list)
    creator: str | None = None
    copyright: str | None = None
    rating: float | None = None
    label: str | None = None
    digital_source_type: str | None = None


def reconcile(exif_tags: Mapping[str, str], iptc: IptcData | None,
              xmp: XmpText | None) -> Descriptions:
    """``iptc`` / ``xmp`` None: the file has none (most camera files), and EXIF alone
    decides."""
    if iptc is None and xmp is None:
        return Descriptions(title=_exif_title(exif_tags),
                            description=_exif_text(exif_tags, "ImageDescription"),
                            creator=_exif_text(exif_tags, "Artist"),
                            copyright=_exif_text(exif_tags, "Copyright"))
    iptc = iptc if iptc is not None else _NO_IPTC
    xmp = xmp if xmp is not None else _NO_XMP
    iptc_is_newer = iptc.present and iptc.digest_matches is False

    def pick(exif_name: str | None, iptc_value: Any, xmp_value: Any) -> Any:
        if exif_name is not None:
            value = (exif_tags.get(exif_name) or "").strip()
            if value:
                return value
        if iptc_is_newer and iptc_value:
            return iptc_value
        return xmp_value or iptc_value or None

    creators = pick("Artist", CREATOR_SEPARATOR.join(iptc.creators),
                    CREATOR_SEPARATOR.join(xmp.creators))
    title = pick(None, iptc.title, xmp.title) or _exif_title(exif_tags)
    return Descriptions(
        title=title,
        description=pick("ImageDescription", iptc.description, xmp.description),
        keywords=list(pick(None, iptc.keywords, xmp.keywords) or []),
        creator=creators,
        copyright=pick("Copyright", iptc.copyright, xmp.rights),
        rating=xmp.rating,
        label=xmp.label,
        digital_source_type=xmp.digital_source_type,
    )


_NO_IPTC, _NO_XMP = IptcData(), XmpText()  # read, never changed


def _exif_text(tags: Mapping[str, str], name: str) -> str | None:
    return (tags.get(name) or "").strip() or None


def _exif_title(tags: Mapping[str, str]) -> str | None:
    for name in ("ImageTitle", "XPTitle"):  # EXIF 3.0's, then Windows'
        value = (tags.get(name) or "").strip()
        if value:
            return value
    return None
