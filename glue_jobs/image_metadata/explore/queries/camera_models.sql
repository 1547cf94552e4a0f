-- Camera makes and models by number of images, most frequent first.
SELECT
    coalesce(make, '(unknown)') AS make,
    coalesce(model, '(unknown)') AS model,
    count(*) AS images,
    count(gps_latitude) AS with_gps,
    min(datetime_original) AS first_taken,
    max(datetime_original) AS last_taken
FROM images_latest
GROUP BY 1, 2
ORDER BY images DESC, make, model
LIMIT 100
