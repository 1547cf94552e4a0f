"""Readable labels for enumerated EXIF, TIFF, DNG, GPS and Interop tags.

``exif`` keeps each tag's code (``Flash: 16``) so that queries can compare numbers; the
labels go beside it (``Flash: Off, Did not fire``), worded as exiftool prints them without
``-n`` so that results can be checked against the tool people already trust. A code the
standard does not define reads ``Unknown (code)``, as exiftool says it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

_LIGHT_SOURCE = {
    0: "Unknown", 1: "Daylight", 2: "Fluorescent", 3: "Tungsten (Incandescent)", 4: "Flash",
    9: "Fine Weather", 10: "Cloudy", 11: "Shade", 12: "Daylight Fluorescent",
    13: "Day White Fluorescent", 14: "Cool White Fluorescent", 15: "White Fluorescent",
    16: "Warm White Fluorescent", 17: "Standard Light A", 18: "Standard Light B",
    19: "Standard Light C", 20: "D55", 21: "D65", 22: "D75", 23: "D50",
    24: "ISO Studio Tungsten", 255: "Other",
}

_FLASH = {
    0x00: "No Flash", 0x01: "Fired", 0x05: "Fired, Return not detected",
    0x07: "Fired, Return detected", 0x08: "On, Did not fire", 0x09: "On, Fired",
    0x0D: "On, Return not detected", 0x0F: "On, Return detected",
    0x10: "Off, Did not fire", 0x14: "Off, Did not fire, Return not detected",
    0x18: "Auto, Did not fire", 0x19: "Auto, Fired", 0x1D: "Auto, Fired, Return not detected",
    0x1F: "Auto, Fired, Return detected", 0x20: "No flash function",
    0x30: "Off, No flash function", 0x41: "Fired, Red-eye reduction",
    0x45: "Fired, Red-eye reduction, Return not detected",
    0x47: "Fired, Red-eye reduction, Return detected", 0x49: "On, Red-eye reduction",
    0x4D: "On, Red-eye reduction, Return not detected",
    0x4F: "On, Red-eye reduction, Return detected", 0x50: "Off, Red-eye reduction",
    0x58: "Auto, Did not fire, Red-eye reduction", 0x59: "Auto, Fired, Red-eye reduction",
    0x5D: "Auto, Fired, Red-eye reduction, Return not detected",
    0x5F: "Auto, Fired, Red-eye reduction, Return detected",
}

_RESOLUTION_UNIT = {1: "None", 2: "inches", 3: "cm"}
_NORMAL_LOW_HIGH = {0: "Normal", 1: "Low", 2: "High"}
_NORTH = {"M": "Magnetic North", "T": "True North"}

_COMPRESSION = {
    1: "Uncompressed", 2: "CCITT 1D", 3: "T4/Group 3 Fax", 4: "T6/Group 4 Fax", 5: "LZW",
    6: "JPEG (old-style)", 7: "JPEG", 8: "Adobe Deflate", 9: "JBIG B&W", 10: "JBIG Color",
    99: "JPEG", 262: "Kodak 262", 32766: "Next", 32767: "Sony ARW Compressed",
    32769: "Packed RAW", 32770: "Samsung SRW Compressed", 32771: "CCIRLEW",
    32772: "Samsung SRW Compressed 2", 32773: "PackBits", 32809: "Thunderscan",
    32867: "Kodak KDC Compressed", 32895: "IT8CTPAD", 32896: "IT8LW", 32897: "IT8MP",
    32898: "IT8BL", 32908: "PixarFilm", 32909: "PixarLog", 32946: "Deflate", 32947: "DCS",
    33003: "Aperio JPEG 2000 YCbCr", 33005: "Aperio JPEG 2000 RGB", 34661: "JBIG",
    34676: "SGILog", 34677: "SGILog24", 34712: "JPEG 2000", 34713: "Nikon NEF Compressed",
    34715: "JBIG2 TIFF FX", 34718: "Microsoft Document Imaging (MDI) Binary Level Codec",
    34719: "Microsoft Document Imaging (MDI) Progressive Transform Codec",
    34720: "Microsoft Document Imaging (MDI) Vector", 34887: "ESRI Lerc",
    34892: "Lossy JPEG", 34925: "LZMA2", 34926: "Zstd", 34927: "WebP", 34933: "PNG",
    34934: "JPEG XR", 52546: "JPEG XL", 65000: "Kodak DCR Compressed",
    65535: "Pentax PEF Compressed", 34316: "Panasonic RAW 1", 34826: "Panasonic RAW 2",
    34828: "Panasonic RAW 3", 34830: "Panasonic RAW 4",
}

_PHOTOMETRIC = {
    0: "WhiteIsZero", 1: "BlackIsZero", 2: "RGB", 3: "RGB Palette", 4: "Transparency Mask",
    5: "CMYK", 6: "YCbCr", 8: "CIELab", 9: "ICCLab", 10: "ITULab",
    32803: "Color Filter Array", 32844: "Pixar LogL", 32845: "Pixar LogLuv",
    32892: "Sequential Color Filter", 34892: "Linear Raw", 51177: "Depth Map",
    52527: "Semantic Mask",
}

_SUBFILE_TYPE = {
    0: "Full-resolution image", 1: "Reduced-resolution image",
    2: "Single page of multi-page image",
    3: "Single page of multi-page reduced-resolution image", 4: "Transparency mask",
    5: "Transparency mask of reduced-resolution image",
    6: "Transparency mask of multi-page image",
    7: "Transparency mask of reduced-resolution multi-page image", 8: "Depth map",
    9: "Depth map of reduced-resolution image", 16: "Enhanced image data",
    0x10001: "Alternate reduced-resolution image", 0x10004: "Semantic Mask",
    0xFFFFFFFF: "invalid",
}

# Tag name -> code -> label. Codes are ints, or the text for tags stored as ASCII.
ENUMERATIONS: dict[str, Mapping[int | str, str]] = {
    # TIFF
    "NewSubfileType": _SUBFILE_TYPE,
    "SubfileType": {1: "Full-resolution image", 2: "Reduced-resolution image",
                    3: "Single page of multi-page image"},
    "Compression": _COMPRESSION,
    "PhotometricInterpretation": _PHOTOMETRIC,
    "Threshholding": {1:  # the TIFF standard's spelling
                      "No dithering or halftoning", 2: "Ordered dither or halftone",
                     3: "Randomized dither"},
    "FillOrder": {1: "Normal", 2: "Reversed"},
    "Orientation": {1: "Horizontal (normal)", 2: "Mirror horizontal", 3: "Rotate 180",
                    4: "Mirror vertical", 5: "Mirror horizontal and rotate 270 CW",
                    6: "Rotate 90 CW", 7: "Mirror horizontal and rotate 90 CW",
                    8: "Rotate 270 CW"},
    "PlanarConfiguration": {1: "Chunky", 2: "Planar"},
    "GrayResponseUnit": {1: "0.1", 2: "0.001", 3: "0.0001", 4: "1e-05", 5: "1e-06"},
    "ResolutionUnit": _RESOLUTION_UNIT,
    "Predictor": {1: "None", 2: "Horizontal differencing", 3: "Floating point",
                  34892: "Horizontal difference X2", 34893: "Horizontal difference X4",
                  34894: "Floating point X2", 34895: "Floating point X4"},
    "InkSet": {1: "CMYK", 2: "Not CMYK"},
    "Indexed": {0: "Not indexed", 1: "Indexed"},
    "JPEGProc": {1: "Baseline", 14: "Lossless"},
    "YCbCrPositioning": {1: "Centered", 2: "Co-sited"},
    "SecurityClassification": {"C": "Confidential", "R": "Restricted", "S": "Secret",
                               "T": "Top Secret", "U": "Unclassified"},
    # EXIF
    "ExposureProgram": {0: "Not Defined", 1: "Manual", 2: "Program AE",
                        3: "Aperture-priority AE", 4: "Shutter speed priority AE",
                        5: "Creative (Slow speed)", 6: "Action (High speed)", 7: "Portrait",
                        8: "Landscape", 9: "Bulb"},
    "SensitivityType": {0: "Unknown", 1: "Standard Output Sensitivity",
                        2: "Recommended Exposure Index", 3: "ISO Speed",
                        4: "Standard Output Sensitivity and Recommended Exposure Index",
                        5: "Standard Output Sensitivity and ISO Speed",
                        6: "Recommended Exposure Index and ISO Speed",
                        7: "Standard Output Sensitivity, Recommended Exposure Index and ISO "
                           "Speed"},
    "MeteringMode": {0: "Unknown", 1: "Average", 2: "Center-weighted average", 3: "Spot",
                     4: "Multi-spot", 5: "Multi-segment", 6: "Partial", 255: "Other"},
    "LightSource": _LIGHT_SOURCE,
    "Flash": _FLASH,
    "ColorSpace": {1: "sRGB", 2: "Adobe RGB", 0xFFFD: "Wide Gamut RGB",
                   0xFFFE: "ICC Profile", 0xFFFF: "Uncalibrated"},
    "FocalPlaneResolutionUnit": {1: "None", 2: "inches", 3: "cm", 4: "mm", 5: "um"},
    "SensingMethod": {1: "Not defined", 2: "One-chip color area", 3: "Two-chip color area",
                      4: "Three-chip color area", 5: "Color sequential area",
                      7: "Trilinear", 8: "Color sequential linear"},
    "FileSource": {1: "Film Scanner", 2: "Reflection Print Scanner", 3: "Digital Camera"},
    "SceneType": {1: "Directly photographed"},
    "CustomRendered": {0: "Normal", 1: "Custom", 2: "HDR (no original saved)",
                       3: "HDR (original saved)", 4: "Original (for HDR)", 6: "Panorama",
                       7: "Portrait HDR", 8: "Portrait"},
    "ExposureMode": {0: "Auto", 1: "Manual", 2: "Auto bracket"},
    "WhiteBalance": {0: "Auto", 1: "Manual"},
    "SceneCaptureType": {0: "Standard", 1: "Landscape", 2: "Portrait", 3: "Night",
                         4: "Other"},
    "GainControl": {0: "None", 1: "Low gain up", 2: "High gain up", 3: "Low gain down",
                    4: "High gain down"},
    "Contrast": _NORMAL_LOW_HIGH,
    "Saturation": _NORMAL_LOW_HIGH,
    "Sharpness": {0: "Normal", 1: "Soft", 2: "Hard"},
    "SubjectDistanceRange": {0: "Unknown", 1: "Macro", 2: "Close", 3: "Distant"},
    "CompositeImage": {0: "Unknown", 1: "Not a Composite Image",
                       2: "General Composite Image",
                       3: "Composite Image Captured While Shooting"},
    # DNG
    "CalibrationIlluminant1": _LIGHT_SOURCE,
    "CalibrationIlluminant2": _LIGHT_SOURCE,
    "CFALayout": {1: "Rectangular", 2: "Even columns offset down 1/2 row",
                  3: "Even columns offset up 1/2 row", 4: "Even rows offset right 1/2 column",
                  5: "Even rows offset left 1/2 column",
                  6: "Even rows offset up by 1/2 row, even columns offset left by 1/2 column",
                  7: "Even rows offset up by 1/2 row, even columns offset right by 1/2 "
                     "column",
                  8: "Even rows offset down by 1/2 row, even columns offset left by 1/2 "
                     "column",
                  9: "Even rows offset down by 1/2 row, even columns offset right by 1/2 "
                     "column"},
    "MakerNoteSafety": {0: "Unsafe", 1: "Safe"},
    "PreviewColorSpace": {0: "Unknown", 1: "Gray Gamma 2.2", 2: "sRGB", 3: "Adobe RGB",
                          4: "ProPhoto RGB"},
    # GPS
    "GPSLatitudeRef": {"N": "North", "S": "South"},
    "GPSLongitudeRef": {"E": "East", "W": "West"},
    "GPSAltitudeRef": {0: "Above Sea Level", 1: "Below Sea Level"},
    "GPSStatus": {"A": "Measurement Active", "V": "Measurement Void"},
    "GPSMeasureMode": {2: "2-Dimensional Measurement", 3: "3-Dimensional Measurement"},
    "GPSSpeedRef": {"K": "km/h", "M": "mph", "N": "knots"},
    "GPSTrackRef": _NORTH,
    "GPSImgDirectionRef": _NORTH,
    "GPSDestLatitudeRef": {"N": "North", "S": "South"},
    "GPSDestLongitudeRef": {"E": "East", "W": "West"},
    "GPSDestBearingRef": _NORTH,
    "GPSDestDistanceRef": {"K": "Kilometers", "M": "Miles", "N": "Nautical Miles"},
    "GPSDifferential": {0: "No Correction", 1: "Differential Corrected"},
    # Interop
    "InteroperabilityIndex": {"R03": "R03 - DCF option file (Adobe RGB)",
                              "R98": "R98 - DCF basic file (sRGB)",
                              "THM": "THM - DCF thumbnail file"},
}

_HEX_CODES = {"Flash", "ColorSpace"}  # exiftool shows their unknown codes, but 0, in hex
_SUBFILE_BITS = {0: "Reduced resolution", 1: "Single page", 2: "Transparency mask",
                 3: "TIFF/IT final page", 4: "TIFF-FX mixed raster content"}

_COMPONENTS = {0: "-", 1: "Y", 2: "Cb", 3: "Cr", 4: "R", 5: "G", 6: "B"}
_SAMPLE_FORMAT = {1: "Unsigned", 2: "Signed", 3: "Float", 4: "Undefined", 5: "Complex int",
                  6: "Complex float"}
_EXTRA_SAMPLES = {0: "Unspecified", 1: "Associated Alpha", 2: "Unassociated Alpha"}


def _each(table: Mapping[int, str], separator: str) -> Callable[[list[int]], str]:
    def label(codes: list[int]) -> str:
        return separator.join(table.get(code, f"Unknown ({code})") for code in codes)
    return label


# Tags whose every value is a code of its own.
_LISTS: dict[str, Callable[[list[int]], str]] = {
    "ComponentsConfiguration": _each(_COMPONENTS, ", "),
    "SampleFormat": _each(_SAMPLE_FORMAT, "; "),
    "ExtraSamples": _each(_EXTRA_SAMPLES, " "),
}

LABELLED_TAGS = frozenset(ENUMERATIONS) | frozenset(_LISTS)


def _codes(value: str) -> list[int] | None:
    try:
        return [int(part) for part in value.split()]
    except ValueError:
        return None


_CACHED_VALUE_LENGTH = 64  # no code is longer; a longer value is text, labelled uncached


def label(name: str, value: str) -> str | None:
    """The label of one tag's value as ``exif`` holds it; None for a tag that is no
    enumeration, or a value that holds no code (text where a number belongs)."""
    if len(value) <= _CACHED_VALUE_LENGTH:
        return _cached_label(name, value)
    return _label(name, value)


# Values repeat from image to image (the same cameras, the same settings): each tag's label
# of each value is worked out once per worker.
@functools.lru_cache(maxsize=4096)
def _cached_label(name: str, value: str) -> str | None:
    return _label(name, value)


def _label(name: str, value: str) -> str | None:
    listed = _LISTS.get(name)
    if listed is not None:
        codes = _codes(value)
        return listed(codes) if codes else None
    table = ENUMERATIONS.get(name)
    if table is None:
        return None
    if name == "FileSource" and value == "3 0 0 0":  # Sigma writes the code as four bytes
        return "Sigma Digital Camera"
    codes = _codes(value)
    if codes is None or len(codes) != 1:
        text = value.strip()
        return table.get(text, f"Unknown ({text})")
    code = codes[0]
    if code in table:
        return table[code]
    if name == "NewSubfileType":
        return _subfile_bits(code)
    if name in _HEX_CODES and code:
        return f"Unknown (0x{code:x})"
    return f"Unknown ({code})"


def _subfile_bits(code: int) -> str:
    """A combination the table does not name, read as the flags it sets."""
    bits = [_SUBFILE_BITS.get(bit, f"[{bit}]") for bit in range(code.bit_length())
            if code >> bit & 1]
    return ", ".join(bits)


def labels(tags: Mapping[str, str]) -> dict[str, str]:
    """The label of every enumerated tag in ``tags`` (an ``exif`` map)."""
    out = {}
    cached = _cached_label  # called directly: one Python call less per tag
    for name in LABELLED_TAGS.intersection(tags):
        value = tags[name]
        text = cached(name, value) if len(value) <= _CACHED_VALUE_LENGTH else _label(name,
                                                                                      value)
        if text is not None:
            out[name] = text
    return out
