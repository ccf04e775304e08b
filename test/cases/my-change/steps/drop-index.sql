DROP INDEX IF EXISTS digoal.session_last_login;
