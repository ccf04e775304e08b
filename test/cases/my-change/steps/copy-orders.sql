-- Inside the freeze, after the article's copy: the user's table, over the FDW the built-in
-- prepare-new made (server shardmove_old), its foreign table dropped again so drop-fdw can go.
CREATE FOREIGN TABLE digoal.ft_orders (dbid int, userid int, orders int)
  SERVER shardmove_old OPTIONS (schema_name 'digoal', table_name 'orders');
INSERT INTO digoal.orders SELECT * FROM digoal.ft_orders;
DROP FOREIGN TABLE digoal.ft_orders;
