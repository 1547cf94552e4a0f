-- One row per URL whose latest read {outcome}: the {table} row of the run that read it last.
SELECT t.*
FROM {table} AS t
JOIN (
    SELECT url, run_id, dataset
    FROM (
        SELECT
            url, run_id, dataset,
            row_number() OVER (PARTITION BY url ORDER BY extracted_at DESC, run_id DESC) AS position
        FROM (
            SELECT url, run_id, extracted_at, 'images' AS dataset FROM images
            UNION ALL
            SELECT url, run_id, extracted_at, 'failures' AS dataset FROM failures
        ) AS outcomes
    ) AS ranked
    WHERE position = 1
) AS latest
    ON t.url = latest.url AND t.run_id = latest.run_id AND latest.dataset = '{table}'
