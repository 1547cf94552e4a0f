"""What reading each format's metadata costs: requests and bytes for one 20 MB file of every
format the project reads, over ranged HTTP with the default settings.

    .venv/bin/python -m bench.formats      # writes bench/results/formats.md (about a minute)

Each file is a small valid one (generated, or the format's sample from ../shared/corpus when
present) grown to 20 MB where its image data lies, so offsets stay true: after the header
for most formats, inside the CIFF heap for CRW, between the header and the directory for X3F.
The README's format table is this file's table.
"""

from __future__ import annotations

import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from image_metadata import samples  # noqa: E402
from image_metadata.extract import ExtractSettings, extract_one  # noqa: E402
from image_metadata.fetch.clients import Clients, FetchSettings  # noqa: E402
from tests.support import made_formats, pillow_formats  # noqa: E402
from tests.support.http_server import ImageServer  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "formats.md"
SAMPLES = ROOT.parent / "shared" / "corpus" / "exiftool-t-images"
SIZE = 20 * 1024 * 1024
EXIF = samples.exif_bytes(make="Canon", model="EOS R5", place=samples.PLACES["rio"])


@dataclass(frozen=True)
class Format:
    names: tuple[str, ...]  # as the format column reports them
    reader: str
    reads: str
    skips: str


_PILLOW = "Pillow's plugin, header only"
_HEADER = "size and mode from the header"
FORMATS = (
    Format(("JPEG", "MPO"), "own", "SOF size and mode, APP1 EXIF and XMP, MPF picture count; "
           "junk before a marker skipped with a warning", "image data, other APP segments"),
    Format(("PNG",), "own", "IHDR, eXIf and XMP iTXt before the image data, an eXIf after "
           "it (last 64 KiB); a bad IHDR checksum is a warning", "text chunks other than XMP"),
    Format(("WEBP",), "own", "VP8/VP8L/VP8X size and alpha, EXIF and XMP chunks",
           "image data"),
    Format(("HEIF", "AVIF"), "own", "ispe/irot/imir/clap, primary item's Exif and XMP items",
           "image data (a layout the box reader does not cover goes to pillow-heif/libavif)"),
    Format(("TIFF",), "own + Pillow", "IFD0 layout through Pillow, EXIF/GPS IFDs, XMP tag; "
           "raw files' full size (SubIFDs, CR2/IIQ EXIF size); Pillow's refusals read from "
           "the IFDs with a warning", "strip and tile data, maker notes"),
    Format(("RW2", "ORF"), "own", "TIFF-structured IFD0 (Panasonic borders for the size), "
           "EXIF, GPS", "raw data, maker notes"),
    Format(("CR3",), "own", "CMT1/CMT2/CMT4 boxes (IFD0, Exif, GPS), track sizes, XMP uuid",
           "mdat (image data), CMT3 maker notes"),
    Format(("CRW",), "own", "CIFF records: image size and rotation, make and model, time",
           "raw data, the JPEG inside"),
    Format(("RAF",), "own", "RAF directory (cropped size), the embedded JPEG's EXIF and XMP",
           "CFA data"),
    Format(("MRW",), "own", "PRD block (size), TTW block (EXIF)", "raw data"),
    Format(("X3F",), "own", "header (size, rotation), PROP section, JPEG preview's EXIF",
           "image sections"),
    Format(("JXL",), "own", "codestream size header and orientation; container Exif and xml "
           "boxes", "brob (Brotli-compressed) boxes, image data"),
    Format(("BPG",), "own", _HEADER + ", EXIF and XMP extensions", "image data"),
    Format(("DPX", "EXR", "HDR", "PFM", "PSP", "XCF", "PICT", "FLIF", "PGF", "DJVU", "MRC"),
           "own", _HEADER + " (EXR: dataWindow and channels; DjVu: the first page's INFO)",
           "everything else in the file"),
    Format(("BMP", "DIB", "CUR", "ICO"), "Pillow + own", "Pillow's header; ICO's largest icon "
           "header only; BMP with JPEG/PNG inside or a depth Pillow refuses: the header's "
           "size with a warning", "pixel data"),
    Format(("GIF",), "Pillow + own", "logical screen and first frame (a canvas past Pillow's "
           "pixel limit computed as Pillow does)", "frames after the first"),
    Format(("EPS",), "own", "%%BoundingBox and %ImageData comments (trailer for (atend))",
           "PostScript"),
    Format(("FITS",), "Pillow + own", "Pillow's header; a file cut before END from its "
           "cards; no image axes is not_an_image", "data units"),
    Format(("PCD",), "Pillow + own", "Pillow's Base image mode; the image pack's highest "
           "resolution", "image data"),
    Format(("JPEG2000", "BLP", "DCX", "DDS", "FLI", "FPX", "FTEX", "GBR", "ICNS", "IM", "IMT",
            "IPTC", "MCIDAS", "MIC", "MPEG", "MSP", "PCX", "PIXAR", "PPM", "PSD", "QOI", "SGI",
            "SPIDER", "SUN", "TGA", "WMF", "XBM", "XPM", "XVTHUMB"), "Pillow",
           _PILLOW + " (a 4 MiB read budget)", "pixel data; PSD's layers and resources"),
    Format(("BUFR", "GRIB", "HDF5"), "Pillow", "recognised (Pillow reports no size)",
           "the data"),
)


def grown(data: bytes) -> bytes:
    return data + bytes(max(SIZE - len(data), 0))


def _png_exif_after_image_data() -> bytes:
    """A PNG whose eXIf chunk follows 20 MB of image data, as some writers place it."""
    small = samples.png_with_exif_after_idat((640, 480), EXIF)
    at = small.index(b"eXIf") - 4
    body = bytes(SIZE)
    idat = len(body).to_bytes(4, "big") + b"IDAT" + body + \
        zlib.crc32(b"IDAT" + body).to_bytes(4, "big")
    return small[:at] + idat + small[at:]


def _files() -> dict[str, bytes]:
    """Label -> a 20 MB file."""
    files = {
        "JPEG": grown(samples.encode("JPEG", (640, 480), exif=EXIF)),
        "PNG (eXIf after the image data)": _png_exif_after_image_data(),
        "TIFF": grown(samples.encode("TIFF", (640, 480), exif=EXIF)),
        "WEBP": grown(samples.encode("WEBP", (640, 480), exif=EXIF)),
        "HEIF": grown(samples.encode("HEIF", (640, 480), exif=EXIF)),
        "AVIF": grown(samples.encode("AVIF", (64, 48), exif=EXIF)),
        "GIF": grown(samples.encode("GIF", (64, 48), mode="P")),
        "BMP": grown(samples.encode("BMP", (64, 48))),
        "ICO": grown(samples.encode("ICO", (64, 48))),
        "JPEG2000": grown(samples.encode("JPEG2000", (64, 48))),
    }
    for name, data in pillow_formats.one_of_each((64, 48)).items():
        files[name] = grown(data)
    for name, data in made_formats.made((640, 480), EXIF).items():
        files[name] = grown(data)
    files["CRW"] = made_formats.crw((640, 480), data=bytes(SIZE))
    files["RAF"] = grown(made_formats.raf((640, 480), EXIF, preview=2 << 20))
    files["X3F"] = made_formats.x3f((640, 480), data=bytes(SIZE))
    if SAMPLES.is_dir():  # camera samples: real layouts, their image data cut out
        for sample in ("CanonRaw.cr2", "Nikon.nef", "DNG.dng", "PhaseOne.iiq", "Panasonic.rw2",
                       "CanonRaw.cr3", "Minolta.mrw", "FujiFilm.raf", "PhotoCD.pcd"):
            files[f"sample {sample}"] = grown((SAMPLES / sample).read_bytes())
    return files


def measure() -> list[dict]:
    settings = ExtractSettings(fetch=FetchSettings(allow_private_networks=True))
    server = ImageServer().start()
    rows = []
    try:
        for label, data in _files().items():
            path = "/" + label.replace(" ", "_").replace("(", "").replace(")", "")
            server.files[path] = data
            row = extract_one(server.url(path), None, Clients(settings.fetch), settings, "b")
            rows.append({"label": label, "format": row.get("format") or row.get("error_type"),
                         "requests": server.requests[path], "bytes": row["bytes_read"],
                         "size": len(data), "status": row["status"]})
            del server.files[path]
    finally:
        server.stop()
    return rows


def write(rows: list[dict]) -> None:
    lines = ["# Metadata cost per format", "",
             "Written by `python -m bench.formats`: one file of each format, grown to 20 MB "
             "where its image data lies, read over ranged HTTP with the default settings "
             "(first read 64 KiB).", "",
             "| file | format | requests | bytes read | share of the file |",
             "|---|---|---:|---:|---:|"]
    for r in rows:
        share = f"{100 * r['bytes'] / r['size']:.2f} %"
        lines.append(f"| {r['label']} | {r['format']} | {r['requests']} | {r['bytes']:,} "
                     f"| {share} |")
    RESULTS.write_text("\n".join(lines) + "\n")


README = ROOT / "README.md"
_START, _END = "<!-- formats: start -->", "<!-- formats: end -->"


def readme_table(rows: list[dict]) -> str:
    """The README's format table: each format, who reads it, what is and is not read, and
    the requests its 20 MB file took."""
    cost: dict[str, int] = {}
    for r in rows:
        name = str(r["format"]).upper()
        cost[name] = max(cost.get(name, 0), r["requests"])
    lines = ["| format | read by | what is read | requests (20 MB file) | not read |",
             "|---|---|---|---:|---|"]
    for fmt in FORMATS:
        counts = [cost[n] for n in fmt.names if n in cost]
        measured = str(max(counts)) if counts else "not measured"
        lines.append(f"| {', '.join(fmt.names)} | {fmt.reader} | {fmt.reads} | {measured} | "
                     f"{fmt.skips} |")
    return "\n".join(lines)


def write_readme(rows: list[dict]) -> None:
    text = README.read_text()
    before, rest = text.split(_START, 1)
    _old, after = rest.split(_END, 1)
    README.write_text(f"{before}{_START}\n{readme_table(rows)}\n{_END}{after}")


def main() -> int:
    rows = measure()
    write(rows)
    write_readme(rows)
    failed = [r for r in rows if r["status"] != "ok"]
    for r in rows:
        print(f"{r['label']:40} {r['format']!s:10} {r['requests']:3} {r['bytes']:>10,}")
    if failed:
        print("not read:", [r["label"] for r in failed], file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
