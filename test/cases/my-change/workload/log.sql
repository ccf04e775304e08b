-- shardmove: key=uid writes
\set uid random(1, 32000000)
select insert_log(:uid);
