-- As 0011_punch_local_time_backfill.sql, with PostgreSQL's JSON operators.
UPDATE punches SET local_time = payload::json->>'local_time'
WHERE local_time IS NULL AND payload LIKE '{%}';
