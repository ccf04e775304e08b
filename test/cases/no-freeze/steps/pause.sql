-- Two seconds in which old goes on taking writes that the copy has already missed.
SELECT pg_sleep(2);
