-- Run summaries, newest first: counts, bytes read and whether every input row is accounted for.
SELECT
    run_id,
    dt,
    input_rows,
    blank,
    duplicates,
    succeeded,
    failed,
    bytes_read,
    seconds,
    accounted,
    finished_at
FROM runs
ORDER BY finished_at DESC
LIMIT 100
