-- The user's table on every shard database, and the function that writes it.
CREATE TABLE digoal.orders (dbid int DEFAULT {{shard}}, userid int PRIMARY KEY, orders int NOT NULL DEFAULT 0);
CREATE FUNCTION digoal.add_order(i_userid int) RETURNS void LANGUAGE plpgsql STRICT AS $$
BEGIN
  INSERT INTO digoal.orders (userid, orders) VALUES (i_userid, 1)
  ON CONFLICT (userid) DO UPDATE SET orders = digoal.orders.orders + 1;
END;
$$;
