-- Failures grouped by error type and stage, with one example URL for each.
SELECT
    error_type,
    stage,
    count(*) AS failures,
    min(url) AS example_url,
    min(error_message) AS example_message
FROM failures_latest
GROUP BY error_type, stage
ORDER BY failures DESC, error_type
