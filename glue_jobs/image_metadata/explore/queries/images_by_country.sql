-- Images with a GPS position by country and first-level region, with the place most of them are nearest to.
WITH by_place AS (
    SELECT
        country_code,
        coalesce(region, '(no region)') AS region,
        place,
        count(*) AS images,
        min(datetime_original) AS first_taken,
        max(datetime_original) AS last_taken
    FROM images_latest
    WHERE country_code IS NOT NULL
    GROUP BY 1, 2, 3
)
SELECT
    country_code,
    region,
    sum(images) AS images,
    count(*) AS places,
    max_by(place, images) AS top_place,
    min(first_taken) AS first_taken,
    max(last_taken) AS last_taken
FROM by_place
GROUP BY 1, 2
ORDER BY images DESC, country_code, region
LIMIT 1000
