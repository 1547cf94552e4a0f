-- The latest result for each URL across runs: metadata if it last succeeded, else the failure.
SELECT url, outcome, detail, run_id, extracted_at
FROM (
    SELECT url, 'ok' AS outcome, format AS detail, run_id, extracted_at FROM images_latest
    UNION ALL
    SELECT url, 'failed' AS outcome, error_type AS detail, run_id, extracted_at
    FROM failures_latest
) AS latest
ORDER BY url
LIMIT 1000
