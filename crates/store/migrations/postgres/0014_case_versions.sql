-- A case changes only as the next version of the one its writer read (optimistic
-- concurrency, enforced here so that a command's writes can go to the database in one
-- statement batch, ending in its COMMIT, without a round trip to check the version first).
CREATE FUNCTION cases_version_steps() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case version conflict' USING ERRCODE = '40001';
END
$$;
CREATE TRIGGER cases_version_steps BEFORE UPDATE OF version ON cases
FOR EACH ROW WHEN (NEW.version <> OLD.version + 1)
EXECUTE FUNCTION cases_version_steps();
