-- Whose personal data a logged read touched (their login: ID number or credit code), so a
-- person can see who read their data and why. `case_id` then names the record read: a case
-- id, `license:<id>`, or `coverage:<item code>` for a 一证通办 look-up.
ALTER TABLE access_log ADD COLUMN subject TEXT;
CREATE INDEX access_log_subject ON access_log(subject, at);
