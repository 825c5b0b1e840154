-- 审核发布: in these regions (and below) a catalog draft must be published by another
-- catalog administrator than the one who last edited it. A row is the setting being on.
CREATE TABLE catalog_review_regions (
    region  TEXT PRIMARY KEY,
    set_by  TEXT NOT NULL,
    set_at  BIGINT NOT NULL
);
