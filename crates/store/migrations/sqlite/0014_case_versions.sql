-- A case changes only as the next version of the one its writer read (optimistic
-- concurrency, enforced here so that a command's writes can go to the database in one
-- statement batch, ending in its COMMIT, without a round trip to check the version first).
CREATE TRIGGER cases_version_steps BEFORE UPDATE OF version ON cases
WHEN NEW.version <> OLD.version + 1
BEGIN
    SELECT RAISE(ABORT, 'case version conflict');
END;
