-- Service points (服务场所): the county's 政务服务中心, township 便民服务中心 and village
-- 便民服务站, with what a person needs to go there. `location` is "纬度,经度" or empty.
CREATE TABLE service_points (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL,
    region   TEXT NOT NULL REFERENCES regions(code),
    address  TEXT NOT NULL,
    hours    TEXT NOT NULL,
    phone    TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT ''
);
CREATE INDEX service_points_region ON service_points(region);
-- A department's parent (上级部门), by code; empty for none.
ALTER TABLE departments ADD COLUMN parent TEXT NOT NULL DEFAULT '';
