-- 免提交: every material an application did not need because an e-license or a shared-data
-- source provided it. Feeds the statistics (materials avoided per item and department).
CREATE TABLE avoided_materials (
    case_id    TEXT NOT NULL,
    item_code  TEXT NOT NULL,
    department TEXT NOT NULL,
    material   TEXT NOT NULL,
    -- license | shared
    via        TEXT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (case_id, material)
);
CREATE INDEX avoided_materials_department ON avoided_materials(department, item_code, at);
