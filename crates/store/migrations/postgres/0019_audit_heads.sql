-- The head of each case's audit chain, kept with the case (security review finding 9), so
-- that deleting a case's last events, or its whole chain, shows: `audit verify` finds the
-- chain no longer ending where the case says. A trigger keeps it, whichever path appends.
ALTER TABLE cases ADD COLUMN head_seq BIGINT;
ALTER TABLE cases ADD COLUMN head_hash TEXT;
UPDATE cases SET
    head_seq = (SELECT MAX(seq) FROM case_events e WHERE e.case_id = cases.id),
    head_hash = (SELECT hash FROM case_events e WHERE e.case_id = cases.id ORDER BY seq DESC LIMIT 1);
CREATE FUNCTION case_events_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases SET head_seq = NEW.seq, head_hash = NEW.hash
    WHERE id = NEW.case_id AND (head_seq IS NULL OR head_seq < NEW.seq);
    RETURN NULL;
END
$$;
CREATE TRIGGER case_events_head AFTER INSERT ON case_events
FOR EACH ROW EXECUTE FUNCTION case_events_head();

-- Administrative actions (accounts, roles, catalog, calendar, thresholds, synonyms, keys,
-- settings) on one hash chain of their own: hash = SM3(prev_hash | seq | at | actor | action
-- | target | detail).
ALTER TABLE admin_events ADD COLUMN seq BIGINT;
ALTER TABLE admin_events ADD COLUMN prev_hash TEXT;
ALTER TABLE admin_events ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX admin_events_seq ON admin_events(seq);
