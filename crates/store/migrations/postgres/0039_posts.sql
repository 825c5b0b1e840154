-- Content on the portal: 通知公告, 政策解读 and news, written, reviewed by a second editor and
-- published; shown from publish_at until expires_at (0: never expires). The policies and
-- items a post explains are links, so a policy's or an item's page finds its 解读.
CREATE TABLE posts (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    state        TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    department   TEXT NOT NULL,
    region       TEXT NOT NULL,
    pinned       BIGINT NOT NULL DEFAULT 0,
    publish_at   BIGINT NOT NULL DEFAULT 0,
    expires_at   BIGINT NOT NULL DEFAULT 0,
    author       TEXT NOT NULL,
    submitted_by TEXT NOT NULL DEFAULT '',
    reviewed_by  TEXT NOT NULL DEFAULT '',
    review_note  TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX posts_state ON posts (state, publish_at);

CREATE TABLE post_links (
    post_id TEXT NOT NULL REFERENCES posts (id),
    kind    TEXT NOT NULL,
    target  TEXT NOT NULL,
    PRIMARY KEY (post_id, kind, target)
);
CREATE INDEX post_links_target ON post_links (kind, target);
