"""Sample images written by the project: the demo data set and the tests' fixtures.

Each sample carries known metadata (camera, capture time, a GPS position at a known place),
so tests and the demo can check what extraction returns. Broken files are generated too.
"""

from __future__ import annotations

import argparse
import csv
import io
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import piexif
from PIL import Image


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float
    altitude: float | None
    time_zone: str  # the IANA zone there, whose offset on a sample's date sets its GPS clock


PLACES = {
    "paris": Place("Eiffel Tower", 48.858222, 2.2945, 35.0, "Europe/Paris"),
    "rio": Place("Christ the Redeemer", -22.951917, -43.210487, 700.0, "America/Sao_Paulo"),
    "sydney": Place("Sydney Opera House", -33.856784, 151.215297, 5.0, "Australia/Sydney"),
    "new_york": Place("Statue of Liberty", 40.689247, -74.044502, 93.0, "America/New_York"),
    "dead_sea": Place("Dead Sea shore", 31.559028, 35.473083, -430.5, "Asia/Hebron"),
}


def _rational(value: float, precision: int = 10000) -> tuple[int, int]:
    fraction = Fraction(value).limit_denominator(precision)
    return fraction.numerator, fraction.denominator


def _dms(value: float) -> tuple[tuple[int, int], ...]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return (degrees, 1), (minutes, 1), (round(seconds * 10000), 10000)


def gps_ifd(place: Place, when: str = "2024:05:17 10:30:00") -> dict:
    date, time = when.split(" ")
    h, m, s = (int(x) for x in time.split(":"))
    ifd = {
        piexif.GPSIFD.GPSVersionID: (2, 3, 0, 0),
        piexif.GPSIFD.GPSLatitudeRef: b"N" if place.latitude >= 0 else b"S",
        piexif.GPSIFD.GPSLatitude: _dms(place.latitude),
        piexif.GPSIFD.GPSLongitudeRef: b"E" if place.longitude >= 0 else b"W",
        piexif.GPSIFD.GPSLongitude: _dms(place.longitude),
        piexif.GPSIFD.GPSDateStamp: date.encode(),
        piexif.GPSIFD.GPSTimeStamp: ((h, 1), (m, 1), (s, 1)),
    }
    if place.altitude is not None:
        ifd[piexif.GPSIFD.GPSAltitudeRef] = 1 if place.altitude < 0 else 0
        ifd[piexif.GPSIFD.GPSAltitude] = _rational(abs(place.altitude))
    return ifd


def exif_bytes(
    *,
    make: str = "ExampleCam",
    model: str = "EC-1",
    when: str = "2024:05:17 12:30:00",
    place: Place | None = None,
    gps_when: str | None = None,
    orientation: int = 1,
    extra_exif: dict | None = None,
    extra_ifd0: dict | None = None,
) -> bytes:
    """A TIFF-structured EXIF block (without the 'Exif' header), written by piexif. The GPS
    clock is, unless given, the camera's local time at the place (that date's offset of the
    zone there) in UTC."""
    if place is not None and gps_when is None:
        local = datetime.strptime(when, "%Y:%m:%d %H:%M:%S")
        instant = local.replace(tzinfo=ZoneInfo(place.time_zone)).astimezone(UTC)
        gps_when = instant.strftime("%Y:%m:%d %H:%M:%S")
    ifd0 = {
        piexif.ImageIFD.Make: make.encode(),
        piexif.ImageIFD.Model: model.encode(),
        piexif.ImageIFD.Software: b"image-metadata samples",
        piexif.ImageIFD.Orientation: orientation,
        **(extra_ifd0 or {}),
    }
    exif = {
        piexif.ExifIFD.DateTimeOriginal: when.encode(),
        piexif.ExifIFD.LensModel: b"Example 24-70mm f/2.8",
        piexif.ExifIFD.FNumber: (28, 10),
        piexif.ExifIFD.ExposureTime: (1, 250),
        piexif.ExifIFD.ISOSpeedRatings: 200,
        **(extra_exif or {}),
    }
    data = {"0th": ifd0, "Exif": exif,
            "GPS": gps_ifd(place, gps_when) if place and gps_when else {},
            "1st": {},
            "thumbnail": None}
    blob = piexif.dump(data)
    return blob[6:] if blob.startswith(b"Exif\x00\x00") else blob


def _picture(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    image = Image.new(mode, size)
    if mode in ("RGB", "RGBA"):
        image.putdata([((x * 7) % 256, (y * 5) % 256, 128, 255)[: len(mode)]
                       for y in range(size[1]) for x in range(size[0])])
    return image


def encode(fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGB",
           exif: bytes | None = None) -> bytes:
    """Image bytes in ``fmt`` (Pillow name) with an optional EXIF block embedded natively."""
    out = io.BytesIO()
    params: dict = {}
    if exif is not None:
        params["exif"] = b"Exif\x00\x00" + exif
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    if fmt == "TIFF" and exif is not None:
        params["exif"] = Image.Exif()
        params["exif"].load(b"Exif\x00\x00" + exif)
    _picture(size, mode).save(out, format=fmt, **params)
    return out.getvalue()


def png_with_exif_after_idat(size: tuple[int, int] = (64, 48), exif: bytes = b"") -> bytes:
    """A PNG whose eXIf chunk follows the image data (allowed by the PNG spec)."""
    plain = encode("PNG", size)
    iend = plain.rindex(b"IEND") - 4
    chunk = struct.pack(">L", len(exif)) + b"eXIf" + exif
    chunk += struct.pack(">L", zlib.crc32(b"eXIf" + exif) & 0xFFFFFFFF)
    return plain[:iend] + chunk + plain[iend:]


def write_demo_set(folder: Path, unreachable_base: str = "http://127.0.0.1:9") -> Path:
    """Write the demo images and a manifest listing them; return the manifest path."""
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    files = {
        "paris.jpg": encode("JPEG", (320, 240), exif=exif_bytes(
            make="Canon", model="EOS R5", when="2024:05:17 12:30:00", place=PLACES["paris"])),
        "rio.jpg": encode("JPEG", (240, 320), exif=exif_bytes(
            make="NIKON CORPORATION", model="NIKON Z 6", when="2023:12:24 18:05:10",
            place=PLACES["rio"], orientation=6,
            extra_exif={piexif.ExifIFD.UserComment: b"UNICODE\x00" + "Cristo Redentor ☀".encode(
                "utf-16-be")})),
        "sydney.png": png_with_exif_after_idat((300, 200), exif_bytes(
            make="Apple", model="iPhone 15 Pro", when="2024:01:26 20:15:00",
            place=PLACES["sydney"])),
        "new_york.webp": encode("WEBP", (256, 256), exif=exif_bytes(
            make="SONY", model="ILCE-7M4", when="2022:07:04 21:00:00",
            place=PLACES["new_york"])),
        "dead_sea.tiff": encode("TIFF", (128, 96), exif=exif_bytes(
            make="FUJIFILM", model="X-T5", when="2021:03:14 09:26:53",
            place=PLACES["dead_sea"])),
        "no_gps.jpg": encode("JPEG", (200, 150), exif=exif_bytes(make="Panasonic",
                                                                model="DC-GH6")),
        "plain.gif": encode("GIF", (32, 32), mode="P"),
        "plain.bmp": encode("BMP", (40, 30)),
        "truncated.jpg": encode("JPEG", (320, 240))[:20],
        "notes.jpg": b"this is a text file, not a picture\n",
        "empty.png": b"",
        "document.pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    }
    for name, data in files.items():
        (images / name).write_bytes(data)
    manifest = folder / "manifest.csv"
    with manifest.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "url", "note"])
        for index, name in enumerate(files, start=1):
            writer.writerow([f"img-{index:03d}", str((images / name).resolve()), name])
        writer.writerow(["dup-001", str((images / "paris.jpg").resolve()), "duplicate row"])
        writer.writerow(["blank-001", "", "blank URL"])
        writer.writerow(["gone-001", str((images / "deleted.jpg").resolve()), "missing file"])
        writer.writerow(["net-001", f"{unreachable_base}/photo.jpg", "nothing listens there"])
        writer.writerow(["bad-001", "ftp://example.invalid/photo.jpg", "unsupported scheme"])
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the demo sample images and manifest.")
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    print(write_demo_set(args.folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
