-- 统一身份认证 (OpenID Connect): logins started at the province's identity provider and not
-- yet finished (the state, the nonce the ID token must carry and the PKCE verifier, kept here
-- and never in the browser), and which provider subject is which local account.
CREATE TABLE oidc_pending (
    state      TEXT PRIMARY KEY,
    nonce      TEXT NOT NULL,
    verifier   TEXT NOT NULL,
    next       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE oidc_links (
    issuer     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    linked_at  BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);

CREATE INDEX oidc_links_account ON oidc_links (account_id);
