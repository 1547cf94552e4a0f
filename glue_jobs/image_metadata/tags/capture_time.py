"""When a photo was taken, as an instant: the camera's wall clock plus the zone it was in.

EXIF records the wall clock without a zone. The zone comes, in order of trust, from the
offset the camera wrote (``OffsetTimeOriginal``, or a zone designator on an XMP date), or
from the GPS clock (UTC): the difference between the two clocks, rounded to the quarter hour
every zone offset is a multiple of, is the zone offset, and a camera clock a few minutes off
does not move the instant by a zone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_OFFSET = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$", re.ASCII)
# Zone offsets in use run from UTC-12:00 to UTC+14:00.
MIN_OFFSET, MAX_OFFSET = -12 * 60, 14 * 60
QUARTER_HOUR = 15


def parse_offset(value: str | None) -> tuple[int | None, str | None]:
    """``+02:00`` / ``-0530`` as minutes east of UTC; ``(None, why)`` when it is no offset.
    Blank (as cameras write a field they do not fill) is no offset and no problem."""
    if value is None or not value.strip(" \x00:"):
        return None, None
    match = _OFFSET.match(value)
    if not match:
        return None, f"{value!r} is not a time zone offset (+HH:MM)"
    sign, hours, minutes = match.groups()
    total = int(hours) * 60 + int(minutes)
    total = -total if sign == "-" else total
    if not (MIN_OFFSET <= total <= MAX_OFFSET and int(minutes) < 60):
        return None, f"{value!r} is beyond every time zone (UTC-12:00 to UTC+14:00)"
    return total, None


def from_offset(wall: datetime, minutes: int) -> datetime:
    """The UTC instant of wall-clock time ``wall`` at ``minutes`` east of UTC."""
    return (wall - timedelta(minutes=minutes)).replace(tzinfo=UTC)


def gps_offset(wall: datetime, gps_utc: datetime) -> int | None:
    """The zone offset (minutes) that the camera's clock and the GPS clock imply; None when
    they are further apart than any zone (the GPS fix is from another day, or a clock is
    wrong)."""
    difference = (wall - gps_utc.replace(tzinfo=None)).total_seconds() / 60
    minutes = round(difference / QUARTER_HOUR) * QUARTER_HOUR
    if not MIN_OFFSET <= minutes <= MAX_OFFSET:
        return None
    return minutes


def capture_utc(wall: datetime | None, offset_minutes: int | None,
                gps_utc: datetime | None) -> tuple[datetime | None, str | None]:
    """(the instant, what gave it: ``offset`` or ``gps``), or (None, None)."""
    if wall is None:
        return None, None
    try:
        if offset_minutes is not None:
            return from_offset(wall, offset_minutes), "offset"
        if gps_utc is not None:
            minutes = gps_offset(wall, gps_utc)
            if minutes is not None:
                return from_offset(wall, minutes), "gps"
    except OverflowError:  # a wall clock in year 1 moved before year 1
        return None, None
    return None, None
