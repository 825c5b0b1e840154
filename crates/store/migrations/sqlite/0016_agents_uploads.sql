-- 帮办代办 grants: a principal (委托人) lets an agent (代理人) file cases in their name. A
-- grant is made by the principal in their own account, or at a window by a clerk who checked
-- both identities and keeps the signed letter (`letter`, an upload hash). Revoked or expired
-- grants stay, for the record.
CREATE TABLE agent_grants (
    id           TEXT PRIMARY KEY,
    principal_id TEXT NOT NULL REFERENCES accounts(id),
    agent_id     TEXT NOT NULL REFERENCES accounts(id),
    granted_by   TEXT NOT NULL,
    letter       TEXT,
    granted_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX agent_grants_agent ON agent_grants(agent_id, principal_id);
CREATE INDEX agent_grants_principal ON agent_grants(principal_id, granted_at);

-- Messages to a person: a case filed in their name by an agent, a grant made at a window.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    at         BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    text       TEXT NOT NULL,
    case_id    TEXT,
    read_at    BIGINT
);
CREATE INDEX notifications_account ON notifications(account_id, at);

-- Who stored which upload. Files are content-addressed and kept once; a row says that this
-- account stored these bytes, so only it can name them in a case. `media_type` is what the
-- content was judged to be. Rows nothing refers to are removed after a grace period, and a
-- file no row or case refers to with them; `kept` marks a row the sweep found in use (a
-- case's events keep naming its file, so it stays in use), and files stored before this
-- table existed get a row with no owner when the sweep first finds them.
CREATE TABLE uploads (
    hash       TEXT NOT NULL,
    owner_id   TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size       BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    flagged    TEXT,
    kept       BIGINT,
    PRIMARY KEY (hash, owner_id)
);
CREATE INDEX uploads_owner ON uploads(owner_id, at);
CREATE INDEX uploads_unkept ON uploads(at) WHERE kept IS NULL;
