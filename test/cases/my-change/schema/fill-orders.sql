-- After seeding each shard: an order count for one user in ten.
TRUNCATE digoal.orders;
INSERT INTO digoal.orders (userid, orders) SELECT userid, 1 + userid % 7 FROM digoal.userinfo WHERE userid % 10 = 3;
