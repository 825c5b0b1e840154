-- Electronic licenses (电子证照): types (catalog data), issuer keys, the register, and every
-- use of a license in another case (用证记录).
CREATE TABLE license_types (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    department TEXT NOT NULL,
    -- The domain's LicenseType as JSON (fields, validity, holder kind, producing items).
    data       TEXT NOT NULL
);

-- One row per item code that issues a type on approval.
CREATE TABLE license_type_items (
    item_code TEXT PRIMARY KEY,
    type_code TEXT NOT NULL REFERENCES license_types(code)
);

-- SM2 key pairs per issuing department. The secret is sealed with SM4-GCM under the master
-- key from configuration; rotation adds a row and retires the old one, whose public key
-- still verifies what it signed.
CREATE TABLE issuer_keys (
    key_id        TEXT PRIMARY KEY,
    department    TEXT NOT NULL,
    public_key    TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    retired_at    BIGINT
);
CREATE INDEX issuer_keys_department ON issuer_keys(department, created_at);

CREATE TABLE licenses (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL,
    type_code   TEXT NOT NULL REFERENCES license_types(code),
    holder_id   TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    department  TEXT NOT NULL,
    issued      TEXT NOT NULL,
    valid_until TEXT,
    -- valid | revoked | replaced; status_note is the reason or the replacing identifier.
    status      TEXT NOT NULL,
    status_note TEXT NOT NULL,
    fields      TEXT NOT NULL,
    -- The signed QR token (core record + SM2 signature).
    token       TEXT NOT NULL,
    case_id     TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX licenses_holder ON licenses(holder_id, type_code, status);
CREATE INDEX licenses_case ON licenses(case_id);
CREATE UNIQUE INDEX licenses_number ON licenses(type_code, number);

CREATE TABLE license_serials (
    type_code TEXT NOT NULL,
    day       TEXT NOT NULL,
    last      BIGINT NOT NULL,
    PRIMARY KEY (type_code, day)
);

CREATE TABLE license_uses (
    license_id TEXT NOT NULL REFERENCES licenses(id),
    case_id    TEXT NOT NULL,
    material   TEXT NOT NULL,
    department TEXT NOT NULL,
    actor      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (license_id, case_id, material)
);
CREATE INDEX license_uses_case ON license_uses(case_id);
