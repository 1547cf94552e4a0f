"""Maker notes give the lens and ISO that EXIF leaves out, for the makers that keep them
there; a note that is not what its maker writes costs nothing but its facts."""

from __future__ import annotations

import io
import struct

import pytest

from image_metadata.tags import exif

from .tiff_bytes import ASCII, LONG, RATIONAL, SHORT, UNDEFINED, entry, header, ifd, ifd_size

MAKE, EXIF_POINTER, MAKER_NOTE = 0x010F, 0x8769, 0x927C
NOTE_AT = 200  # where the maker note starts, from the TIFF header


def _tiff_with_note(make: bytes, note: bytes, order: str = "<") -> bytes:
    """IFD0 (Make, the Exif pointer) at 8, the Exif IFD after it, Make's text, then the note
    at NOTE_AT."""
    exif_at = 8 + ifd_size(2)
    make_at = exif_at + ifd_size(1)
    zeroth = ifd([entry(MAKE, ASCII, len(make), make_at),
                  entry(EXIF_POINTER, LONG, 1, exif_at)])
    exif_ifd = ifd([entry(MAKER_NOTE, UNDEFINED, len(note), NOTE_AT)])
    body = header() + zeroth + exif_ifd + make
    assert len(body) <= NOTE_AT
    return body.ljust(NOTE_AT, b"\x00") + note


def _ifd_with_values(at: int, items: list[tuple[int, int, list[int] | bytes]]) -> bytes:
    """An IFD at absolute offset ``at`` whose values follow it (offsets absolute too)."""
    values_at = at + ifd_size(len(items))
    entries, values = [], b""
    for tag, type_id, value in items:
        raw = value if isinstance(value, bytes) else b"".join(
            struct.pack("<II" if type_id == RATIONAL else "<H", *(v if isinstance(v, tuple)
                                                                   else (v,)))
            for v in value)
        count = len(value)
        if len(raw) <= 4:
            entries.append(entry(tag, type_id, count, raw))
        else:
            entries.append(entry(tag, type_id, count, values_at + len(values)))
            values += raw + b"\x00" * (len(raw) % 2)
    return ifd(entries) + values


def facts(blob: bytes) -> exif.ExifData:
    return exif.read_exif(io.BytesIO(blob))


def _canon_note(at: int, iso_code: int = 15, shot: tuple[int, int, int] = (0, 0, 128),
                lens: bytes | None = b"EF-S18-55mm f/3.5-5.6 IS\x00") -> bytes:
    settings = [34] + [0] * 15 + [iso_code]
    items = [(0x0001, SHORT, settings), (0x0004, SHORT, list(shot))]
    if lens:
        items.append((0x0095, ASCII, lens))
    return _ifd_with_values(at, items)


def test_canon_iso_is_the_base_iso_times_the_automatic_gain():
    # Base ISO step 128: 100/32 * 2^4 = 50; gain step 32: 2^1.
    data = facts(_tiff_with_note(b"Canon\x00", _canon_note(NOTE_AT, shot=(0, 32, 128))))
    typed = exif.typed_fields(data, [])
    assert typed.iso == 100
    assert typed.lens_model == "EF-S18-55mm f/3.5-5.6 IS"


def test_canon_bodies_that_flag_the_iso_give_it_directly():
    data = facts(_tiff_with_note(b"Canon\x00", _canon_note(NOTE_AT, iso_code=0x4000 | 3200,
                                                           shot=(0, 0, 0))))
    assert exif.typed_fields(data, []).iso == 3200


def test_a_moved_canon_note_is_read_where_its_footer_says_it_was_written():
    written_at = NOTE_AT - 54  # a tool moved the note 54 bytes on, offsets unchanged
    note = _canon_note(written_at, shot=(0, 0, 160)) + b"II*\x00" + struct.pack("<I",
                                                                               written_at)
    typed = exif.typed_fields(facts(_tiff_with_note(b"Canon\x00", note)), [])
    assert typed.iso == 100  # 100/32 * 2^5
    assert typed.lens_model == "EF-S18-55mm f/3.5-5.6 IS"


def test_a_canon_footer_pointing_before_the_file_leaves_the_rest_of_the_exif(tmp_path):
    written_at = NOTE_AT + 10_000_000  # the footer claims the note stood 10 MB further on
    note = _canon_note(NOTE_AT, shot=(0, 0, 160)) + b"II*\x00" + struct.pack("<I", written_at)
    path = tmp_path / "moved.tif"
    path.write_bytes(_tiff_with_note(b"Canon\x00", note))
    with path.open("rb") as handle:  # a real file refuses a seek before its start (OSError)
        data = exif.read_exif(handle)
    typed = exif.typed_fields(data, [])
    assert typed.make == "Canon" and (typed.iso, typed.lens_model) == (None, None)
    assert any(w.startswith("MakerNote: Canon note unreadable") for w in data.warnings)


def test_exif_iso_and_lens_win_over_the_note():
    data = facts(_tiff_with_note(b"Canon\x00", _canon_note(NOTE_AT)))
    data.entries["Exif"][0x8827] = exif.Entry(0x8827, SHORT, 1, (400,))
    data.tags["LensModel"] = "RF24-70mm F2.8 L IS USM"
    typed = exif.typed_fields(data, [])
    assert (typed.iso, typed.lens_model) == (400, "RF24-70mm F2.8 L IS USM")


def test_nikon_iso_and_lens_come_from_the_note_with_its_own_tiff_header():
    inner = _ifd_with_values(8, [(0x0002, SHORT, [0, 200]),
                                 (0x0084, RATIONAL, [(18, 1), (70, 1), (35, 10), (45, 10)])])
    note = b"Nikon\x00\x02\x10\x00\x00" + b"II*\x00" + struct.pack("<I", 8) + inner
    typed = exif.typed_fields(facts(_tiff_with_note(b"NIKON CORPORATION\x00", note)), [])
    assert (typed.iso, typed.lens_specification) == (200, "18-70mm f/3.5-4.5")


def test_olympus_lens_comes_from_the_equipment_ifd_with_offsets_from_the_note():
    equipment = _ifd_with_values(40, [(0x0203, ASCII, b"OLYMPUS M.14-42mm F3.5-5.6 II R\x00"),
                                      (0x0205, SHORT, [925]), (0x0206, SHORT, [1273]),
                                      (0x0207, SHORT, [14]), (0x0208, SHORT, [42])])
    main = ifd([entry(0x2010, LONG, 1, 40)])
    note = (b"OLYMPUS\x00II\x03\x00" + main).ljust(40, b"\x00") + equipment
    typed = exif.typed_fields(facts(_tiff_with_note(b"OLYMPUS IMAGING CORP.\x00", note)), [])
    assert typed.lens_model == "OLYMPUS M.14-42mm F3.5-5.6 II R"
    assert typed.lens_specification == "14-42mm f/3.5-5.6"


def test_panasonic_lens_and_iso():
    at = NOTE_AT + 12
    note = b"Panasonic\x00\x00\x00" + _ifd_with_values(
        at, [(0x0051, ASCII, b"LUMIX G VARIO 12-32/F3.5-5.6\x00"), (0x003C, SHORT, [640])])
    typed = exif.typed_fields(facts(_tiff_with_note(b"Panasonic\x00", note)), [])
    assert (typed.lens_model, typed.iso) == ("LUMIX G VARIO 12-32/F3.5-5.6", 640)


def test_panasonic_iso_not_in_use_is_no_iso():
    note = b"Panasonic\x00\x00\x00" + _ifd_with_values(NOTE_AT + 12,
                                                        [(0x003C, SHORT, [65535])])
    assert exif.typed_fields(facts(_tiff_with_note(b"Panasonic\x00", note)), []).iso is None


def test_fujifilm_lens_range_comes_from_its_note():
    inner = _ifd_with_values(12, [(0x1404, RATIONAL, [(14, 1)]), (0x1405, RATIONAL, [(42, 1)]),
                                  (0x1406, RATIONAL, [(35, 10)]),
                                  (0x1407, RATIONAL, [(56, 10)])])
    note = b"FUJIFILM" + struct.pack("<I", 12) + inner
    typed = exif.typed_fields(facts(_tiff_with_note(b"FUJIFILM\x00", note)), [])
    assert typed.lens_specification == "14-42mm f/3.5-5.6"


def test_a_maker_whose_note_is_not_read_gives_nothing():
    data = facts(_tiff_with_note(b"Hasselblad\x00", _canon_note(NOTE_AT)))
    assert exif.typed_fields(data, []).iso is None


@pytest.mark.parametrize("make", [b"Canon\x00", b"Panasonic\x00", b"OLYMPUS\x00",
                                  b"NIKON\x00", b"FUJIFILM\x00"])
def test_a_note_that_is_not_its_makers_costs_only_its_facts(make: bytes):
    data = facts(_tiff_with_note(make, b"\xff" * 40))
    typed = exif.typed_fields(data, [])
    assert (typed.iso, typed.lens_model) == (None, None)
    assert typed.make == make.rstrip(b"\x00").decode()


def test_the_first_olympus_notes_count_offsets_from_the_tiff_header():
    equipment_at = NOTE_AT + 8 + ifd_size(1)
    equipment = _ifd_with_values(equipment_at, [(0x0203, ASCII, b"ZUIKO DIGITAL 14-54mm\x00"),
                                                (0x0207, SHORT, [14]), (0x0208, SHORT, [54])])
    note = b"OLYMP\x00\x01\x00" + ifd([entry(0x2010, LONG, 1, equipment_at)]) + equipment
    typed = exif.typed_fields(facts(_tiff_with_note(b"OLYMPUS OPTICAL CO.,LTD\x00", note)), [])
    assert typed.lens_model == "ZUIKO DIGITAL 14-54mm"
    assert typed.lens_specification == "14-54mm f/?"


def test_om_system_notes_count_offsets_from_the_note():
    equipment = _ifd_with_values(40, [(0x0203, ASCII, b"M.Zuiko 12-40mm F2.8 PRO II\x00"),
                                      (0x0205, SHORT, [768]), (0x0206, SHORT, [768]),
                                      (0x0207, SHORT, [12]), (0x0208, SHORT, [40])])
    note = (b"OM SYSTEM\x00\x00\x00II\x04\x00" + ifd([entry(0x2010, LONG, 1, 40)])).ljust(
        40, b"\x00") + equipment
    typed = exif.typed_fields(facts(_tiff_with_note(b"OM Digital Solutions\x00", note)), [])
    assert typed.lens_model == "M.Zuiko 12-40mm F2.8 PRO II"
    assert typed.lens_specification == "12-40mm f/2.8"


def test_an_olympus_note_without_equipment_gives_nothing():
    note = b"OLYMPUS\x00II\x03\x00" + ifd([entry(0x0200, SHORT, 1, 1)])
    typed = exif.typed_fields(facts(_tiff_with_note(b"OLYMPUS IMAGING CORP.\x00", note)), [])
    assert (typed.lens_model, typed.lens_specification) == (None, None)


def test_the_first_coolpix_notes_hold_their_ifd_eight_bytes_in():
    note = b"Nikon\x00\x01\x00" + _ifd_with_values(NOTE_AT + 8, [(0x0002, SHORT, [0, 400])])
    assert exif.typed_fields(facts(_tiff_with_note(b"NIKON\x00", note)), []).iso == 400


def test_the_d1_note_is_a_bare_ifd():
    note = _ifd_with_values(NOTE_AT, [(0x0002, SHORT, [0, 800])])
    assert exif.typed_fields(facts(_tiff_with_note(b"NIKON CORPORATION\x00", note)), []).iso \
        == 800


def test_a_nikon_iso_of_zero_is_no_iso():
    note = _ifd_with_values(NOTE_AT, [(0x0002, SHORT, [0, 0])])
    assert exif.typed_fields(facts(_tiff_with_note(b"NIKON\x00", note)), []).iso is None


@pytest.mark.parametrize(("code", "iso"), [(16, 50), (17, 100), (18, 200), (19, 400),
                                           (20, 800)])
def test_old_canon_bodies_give_the_iso_as_a_code(code, iso):
    note = _canon_note(NOTE_AT, iso_code=code, shot=(0, 0, 0), lens=None)
    assert exif.typed_fields(facts(_tiff_with_note(b"Canon\x00", note)), []).iso == iso


def test_a_canon_gain_below_one_is_a_negative_step():
    note = _canon_note(NOTE_AT, shot=(0, 0x10000 - 32, 160), lens=None)  # gain 2^-1
    assert exif.typed_fields(facts(_tiff_with_note(b"Canon\x00", note)), []).iso == 50


def test_a_canon_iso_flag_without_a_value_falls_back_to_the_shot_record():
    note = _canon_note(NOTE_AT, iso_code=0x7FFF, shot=(0, 0, 128), lens=None)
    assert exif.typed_fields(facts(_tiff_with_note(b"Canon\x00", note)), []).iso == 50


def test_a_fujifilm_note_without_a_focal_range_gives_nothing():
    note = b"FUJIFILM" + struct.pack("<I", 12) + _ifd_with_values(12, [(0x1000, ASCII,
                                                                         b"NORMAL\x00")])
    typed = exif.typed_fields(facts(_tiff_with_note(b"FUJIFILM\x00", note)), [])
    assert typed.lens_specification is None


def test_a_panasonic_iso_of_65534_is_not_in_use():
    note = b"Panasonic\x00\x00\x00" + _ifd_with_values(NOTE_AT + 12,
                                                        [(0x003C, SHORT, [65534])])
    assert exif.typed_fields(facts(_tiff_with_note(b"Panasonic\x00", note)), []).iso is None


def test_an_unreadable_note_says_why_in_a_warning():
    note = b"Nikon\x00\x02\x10\x00\x00" + b"XX" + bytes(20)  # no TIFF header where it belongs
    data = facts(_tiff_with_note(b"NIKON\x00", note))
    assert data.maker.iso is None
    assert data.warnings == ["MakerNote: NIKON note unreadable (not a TIFF header (expected II "
                             "or MM byte order mark)); lens and ISO from EXIF only"]


SONY_SIGNATURE = b"SONY DSC \x00\x00\x00"
LENS_SPEC_18_55 = bytes.fromhex("0000180055355600")  # E 18-55mm F3.5-5.6


def test_sony_lens_spec_gives_the_lens_specification():
    note = SONY_SIGNATURE + _ifd_with_values(NOTE_AT + len(SONY_SIGNATURE),
                                             [(0xB02A, UNDEFINED, LENS_SPEC_18_55)])
    typed = exif.typed_fields(facts(_tiff_with_note(b"SONY\x00", note)), [])
    assert typed.lens_specification == "18-55mm f/3.5-5.6"


def test_a_bare_sony_ifd_is_read_too():
    note = _ifd_with_values(NOTE_AT, [(0xB02A, UNDEFINED, bytes.fromhex("0000500050181800"))])
    typed = exif.typed_fields(facts(_tiff_with_note(b"SONY\x00", note)), [])
    assert typed.lens_specification == "50mm f/1.8"


@pytest.mark.parametrize("spec", [bytes(8), bytes.fromhex("00001A0055355600"), b"\x00" * 7])
def test_a_sony_lens_spec_that_is_unknown_or_not_decimal_gives_nothing(spec):
    note = SONY_SIGNATURE + _ifd_with_values(NOTE_AT + len(SONY_SIGNATURE),
                                             [(0xB02A, UNDEFINED, spec)])
    assert exif.typed_fields(facts(_tiff_with_note(b"SONY\x00", note)), []).lens_specification \
        is None


def test_an_old_sony_pic_note_is_not_taken_for_an_ifd():
    data = facts(_tiff_with_note(b"SONY\x00", b"SONY PI\x00" + bytes(40)))
    assert data.maker.lens_specification is None
