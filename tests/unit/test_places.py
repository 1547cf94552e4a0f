"""Every image with a position on land gets its country, region and nearest populated place,
offline, from the gazetteer in the package; at sea and far from any place it gets none."""

from __future__ import annotations

import bisect
import io
import math
import random
from pathlib import Path

import piexif
import pytest
from PIL import Image

from image_metadata import samples
from image_metadata.decode import decode_bytes
from image_metadata.tags import gazetteer, places

G = piexif.GPSIFD


@pytest.fixture(scope="module")
def shipped() -> gazetteer.Gazetteer:
    return gazetteer.shipped()


def _dms(value: float) -> tuple[tuple[int, int], ...]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 1000)
    return (degrees, 1), (minutes, 1), (seconds, 1000)


def _typed_at(lat: float, lon: float):
    gps = {G.GPSLatitudeRef: b"N" if lat >= 0 else b"S", G.GPSLatitude: _dms(lat),
           G.GPSLongitudeRef: b"E" if lon >= 0 else b"W", G.GPSLongitude: _dms(lon)}
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "JPEG", exif=piexif.dump({"0th": {}, "GPS": gps}))
    return decode_bytes(buffer.getvalue()).typed


@pytest.mark.parametrize(("lat", "lon", "country", "region", "name"), [
    (64.1466, -21.9426, "IS", "Capital Region", "Reykjavík"),
    (78.2232, 15.6267, "SJ", "Svalbard", "Longyearbyen"),
    (-33.8587, 151.2140, "AU", "New South Wales", "The Rocks"),
    (35.6586, 139.7454, "JP", "Tokyo", "Shibakōen"),
    (-54.8019, -68.3030, "AR", "Tierra del Fuego", "Ushuaia"),
])
def test_the_nearest_place_is_named_with_its_country_and_region(shipped, lat, lon, country,
                                                                region, name):
    found = shipped.nearest(lat, lon, 100)
    assert (found.country_code, found.region, found.name) == (country, region, name)
    assert found.distance_km < 5


def test_an_image_with_a_position_gets_its_place_in_the_typed_fields():
    found = _typed_at(64.1466, -21.9426)
    assert (found.country_code, found.region, found.place) == ("IS", "Capital Region",
                                                              "Reykjavík")
    assert 0 < found.place_distance_km < 5


def test_an_image_without_a_position_has_no_place():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "JPEG")
    found = decode_bytes(buffer.getvalue()).typed
    assert (found.country_code, found.region, found.place, found.place_distance_km) == (
        None, None, None, None)


def test_at_sea_there_is_no_place_but_a_nautical_zone():
    found = _typed_at(0.0, -30.0)
    assert found.time_zone == "Etc/GMT+2"
    assert (found.country_code, found.place) == (None, None)


def test_a_position_on_land_farther_than_the_limit_from_any_place_has_none(shipped):
    # The middle of the Antarctic plateau: a time zone, but no town within 100 km.
    assert places.time_zone(-82.0, 60.0) is not None
    assert places.nearest_place(-82.0, 60.0, places.time_zone(-82.0, 60.0)) is None


def test_a_place_just_beyond_the_limit_is_not_given(shipped):
    near = shipped.nearest(64.1466, -21.9426, 100)
    assert shipped.nearest(64.1466, -21.9426, near.distance_km + 0.01) == near
    closer = shipped.nearest(64.1466, -21.9426, near.distance_km - 0.01)
    assert closer is None or closer.distance_km < near.distance_km


@pytest.mark.parametrize("lon", [179.999, -179.999])
def test_the_search_crosses_the_antimeridian(shipped, lon):
    # Fiji's Vanua Levu straddles 180 degrees: both sides find the same town.
    found = shipped.nearest(-16.5, lon, 100)
    assert (found.country_code, found.name) == ("FJ", "Labasa")


@pytest.mark.parametrize(("lat", "lon"), [(90.0, 0.0), (-90.0, 0.0), (89.99, 123.0)])
def test_the_poles_are_positions_with_no_place(shipped, lat, lon):
    assert shipped.nearest(lat, lon, 100) is None


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (0.0, 181.0), (math.nan, 0.0),
                                          (0.0, math.inf)])
def test_an_impossible_position_has_no_place(shipped, lat, lon):
    assert shipped.nearest(lat, lon, 100) is None


def test_every_country_and_most_places_of_the_world_are_held(shipped):
    assert len(shipped) > 150_000
    assert len(shipped._countries) > 240
    assert "GeoNames" in shipped.source


@pytest.fixture(scope="module")
def by_latitude(shipped) -> tuple[list[float], list[tuple[float, float]]]:
    places_ = sorted((shipped._lat[k] / gazetteer.SCALE, shipped._lon[k] / gazetteer.SCALE)
                     for k in range(len(shipped)))
    return [lat for lat, _ in places_], places_


def _every_place_within_a_degree_km(by_latitude, lat: float, lon: float) -> float:
    """The distance to the nearest place by checking every place within a degree of latitude
    (111 km: farther ones cannot be within 100 km); inf when there is none."""
    keys, places_ = by_latitude
    lo, hi = bisect.bisect_left(keys, lat - 1), bisect.bisect_right(keys, lat + 1)
    return min((gazetteer._haversine_km(lat, lon, a, b) for a, b in places_[lo:hi]),
               default=math.inf)


def test_the_grid_search_finds_what_a_search_of_every_place_finds(shipped, by_latitude):
    rng = random.Random(20261203)
    points = []
    for _ in range(150):  # near places: jittered up to about 60 km from a random one
        k = rng.randrange(len(shipped))
        lat = shipped._lat[k] / gazetteer.SCALE + rng.uniform(-.5, .5)
        lon = shipped._lon[k] / gazetteer.SCALE + rng.uniform(-.5, .5)
        points.append((max(-90.0, min(90.0, lat)), (lon + 180) % 360 - 180))
    points += [(rng.uniform(-90, 90), rng.uniform(-180, 180)) for _ in range(50)]
    for lat, lon in points:
        found = shipped.nearest(lat, lon, 100)
        truth = _every_place_within_a_degree_km(by_latitude, lat, lon)
        if truth > 100.5:
            assert found is None, (lat, lon)
        elif truth < 99.5:
            # Ranked in a local flat metric: a tie within metres may pick the other place.
            assert found is not None and found.distance_km == pytest.approx(truth, abs=0.05), (
                lat, lon)


def test_a_file_that_is_not_a_gazetteer_is_refused():
    with pytest.raises(ValueError, match="wrong magic"):
        gazetteer.Gazetteer(b"PK\x03\x04 not this")


def test_a_truncated_gazetteer_is_refused():
    raw = (Path(gazetteer.__file__).parent / "data" / gazetteer.FILE_NAME).read_bytes()
    with pytest.raises(Exception):  # noqa: B017  zlib.error or ValueError, never a wrong answer
        gazetteer.Gazetteer(raw[: len(raw) // 2])


def test_a_gazetteer_whose_arrays_disagree_with_its_header_is_refused():
    header = {"arrays": [["row_offsets", "I", 2], ["lat", "i", 0],
                         ["lon", "i", 0], ["country", "B", 0], ["region", "H", 0],
                         ["name_offsets", "I", 1]],
              "source": "test", "countries": [], "regions": [], "places": 3}
    body = bytes(8) + bytes(4)
    with pytest.raises(ValueError, match="truncated or inconsistent"):
        gazetteer.Gazetteer(gazetteer.encode_file(header, body))


def test_near_the_antimeridian_the_grid_search_finds_the_nearest_place_across_it(
        shipped, by_latitude):
    rng = random.Random(180)
    near = [k for k in range(len(shipped)) if abs(shipped._lon[k]) > 179 * gazetteer.SCALE]
    assert near  # Fiji, Tuvalu, Chukotka, the Aleutians
    for k in near:
        lat = shipped._lat[k] / gazetteer.SCALE + rng.uniform(-.2, .2)
        place_lon = shipped._lon[k] / gazetteer.SCALE
        lon = -math.copysign(179.99, place_lon)  # across the line from the place
        found = shipped.nearest(lat, lon, 100)
        truth = _every_place_within_a_degree_km(by_latitude, lat, lon)
        assert truth < 99.5
        assert found is not None and found.distance_km == pytest.approx(truth, abs=0.05)


def test_preloading_loads_both_tables_before_any_image_asks():
    gazetteer.shipped.cache_clear()
    places._lookup.cache_clear()
    places.preload()
    assert gazetteer.shipped.cache_info().currsize == 1
    assert places._lookup.cache_info().currsize == 1
    assert places.nearest_place(48.8584, 2.2945, "Europe/Paris").country_code == "FR"


@pytest.mark.parametrize("name", sorted(samples.PLACES))
@pytest.mark.parametrize("when", ["2024:01:15 12:30:00", "2024:07:15 12:30:00"])
def test_sample_images_keep_the_local_time_of_their_place(name, when):
    place = samples.PLACES[name]
    blob = samples.exif_bytes(place=place, when=when)
    decoded = decode_bytes(samples.encode("JPEG", (8, 8), exif=blob))
    assert decoded.typed.time_zone == place.time_zone
    assert decoded.typed.datetime_original_utc_source == "gps"
    assert not [w for w in decoded.warnings if "GPS clock" in w]
