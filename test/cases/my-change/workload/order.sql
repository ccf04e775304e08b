-- shardmove: key=uid
\set uid random_gaussian(1, 32000000, 2.5)
\set pause random(0, 2)
select add_order(:uid);
\sleep :pause ms
