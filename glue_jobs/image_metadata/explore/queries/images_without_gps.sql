-- Images without a GPS position, with the reason when a position was present but unusable.
SELECT
    url,
    id,
    format,
    make,
    model,
    filter(warnings, w -> w LIKE 'GPS%') AS gps_warnings
FROM images_latest
WHERE gps_latitude IS NULL OR gps_longitude IS NULL
ORDER BY url
LIMIT 1000
