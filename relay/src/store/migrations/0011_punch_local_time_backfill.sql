-- Punches stored before 0009 got no local_time, so a terminal's count of records compared with
-- the relay's left them out and found them missing. Every punch payload carries the terminal's
-- local time (its event id is derived from it): take it from there.
UPDATE punches SET local_time = json_extract(payload, '$.local_time')
WHERE local_time IS NULL AND json_valid(payload);
