-- 行政相对人. A license issued to someone other than the applicant (a new enterprise, a
-- newborn) links its holder to the applicant's account, so the legal representative or the
-- guardian sees it in their wallet; the link is written in the batch that issues the license.
CREATE TABLE holder_links (
    holder_id  TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    relation   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (holder_id, account_id)
);
CREATE INDEX holder_links_account ON holder_links(account_id);

-- Identifiers the platform assigns (统一社会信用代码 at 设立登记, a newborn's reserved
-- 公民身份号码): the last serial drawn per kind and key (region, or region and birth date).
CREATE TABLE identifier_serials (
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (kind, key)
);
