-- Images taken inside a bounding box (here Western Europe: 35..60 N, 10 W..20 E); edit the bounds.
SELECT url, id, make, model, datetime_original, gps_latitude, gps_longitude, gps_altitude
FROM images_latest
WHERE gps_latitude BETWEEN 35.0 AND 60.0
  AND gps_longitude BETWEEN -10.0 AND 20.0
ORDER BY datetime_original, url
LIMIT 1000
