-- Account security (security review findings 7 and 8).

-- Failed logins are counted per client address as well as per login, so that guesses from
-- one address lock that address out of the login (and, past a limit, out of every login)
-- but never lock the owner out from elsewhere. Rows written before this migration, and the
-- progress lookup's rows, have no address ('').
ALTER TABLE login_failures ADD COLUMN client TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_client_at ON login_failures(client, at);

-- A temporary password set by an administrator (or at a window) must be changed at the next
-- login: until then the session can do nothing but change it.
ALTER TABLE accounts ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

-- Who did what to an account, and when: password changes and resets, registrations at a
-- window (with an overridden credit-code check), staff accounts created. Kept apart from the
-- cases' hash-chained audit events, which belong to one case each; rows are only inserted.
CREATE TABLE admin_events (
    at     BIGINT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX admin_events_target ON admin_events(target, at);
