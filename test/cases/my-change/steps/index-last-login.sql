-- On new's copy of {{database}}, before the switch: the index the change under test adds.
CREATE INDEX session_last_login ON digoal.session (last_login);
