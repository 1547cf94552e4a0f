-- The latest result for each URL across runs: metadata if it last succeeded, else the failure.
WITH outcomes AS (
    SELECT url, 'ok' AS outcome, format AS detail, run_id, extracted_at FROM images
    UNION ALL
    SELECT url, 'failed' AS outcome, error_type AS detail, run_id, extracted_at FROM failures
),
ranked AS (
    SELECT
        *,
        row_number() OVER (PARTITION BY url ORDER BY extracted_at DESC, run_id DESC) AS position
    FROM outcomes
)
SELECT url, outcome, detail, run_id, extracted_at
FROM ranked
WHERE position = 1
ORDER BY url
LIMIT 1000
