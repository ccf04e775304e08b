-- The article's copy (step 5), with one line left out: tbl_small is created but never filled.
DROP MATERIALIZED VIEW digoal.userinfo;
DROP MATERIALIZED VIEW digoal.session;
DROP MATERIALIZED VIEW digoal.tbl_small;
SET synchronous_commit = off;
CREATE TABLE digoal.userinfo (dbid int DEFAULT {{shard}}, userid int, info text);
CREATE TABLE digoal.session (dbid int DEFAULT {{shard}}, userid int, last_login timestamp);
CREATE TABLE digoal.tbl_small (userid int, info text);
INSERT INTO digoal.userinfo SELECT * FROM digoal.ft_userinfo;
INSERT INTO digoal.session SELECT * FROM digoal.ft_session;
INSERT INTO digoal.login_log SELECT * FROM digoal.ft_login_log;
ALTER TABLE digoal.userinfo ADD CONSTRAINT pk_userinfo PRIMARY KEY (userid);
ALTER TABLE digoal.session ADD CONSTRAINT pk_session PRIMARY KEY (userid);
ALTER TABLE digoal.tbl_small ADD CONSTRAINT pk_tbl_small PRIMARY KEY (userid);
