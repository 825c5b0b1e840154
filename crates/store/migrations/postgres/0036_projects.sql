-- 工程建设项目: projects under their 投资项目代码, the configured path of each category
-- (which 一件事 bundle runs each stage), the stages started (each a bundle application),
-- the spans the government's clock stands still, and the joint review and acceptance steps.
CREATE TABLE project_paths (
    category TEXT PRIMARY KEY,
    path     TEXT NOT NULL
);

CREATE TABLE projects (
    code          TEXT PRIMARY KEY,
    owner_id      TEXT NOT NULL,
    owner_code    TEXT NOT NULL,
    owner_name    TEXT NOT NULL,
    region        TEXT NOT NULL,
    category      TEXT NOT NULL,
    draft         TEXT NOT NULL,
    path          TEXT NOT NULL,
    agent_id      TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);
CREATE INDEX projects_owner ON projects (owner_id);
CREATE INDEX projects_region ON projects (region);

CREATE TABLE project_stages (
    project_code TEXT NOT NULL,
    stage        TEXT NOT NULL,
    parent_id    TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    finished_at  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (project_code, stage)
);

CREATE TABLE project_holds (
    id           TEXT PRIMARY KEY,
    project_code TEXT NOT NULL,
    reason       TEXT NOT NULL,
    from_day     TEXT NOT NULL,
    to_day       TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX project_holds_project ON project_holds (project_code, from_day);

CREATE TABLE project_joints (
    project_code TEXT NOT NULL,
    kind         TEXT NOT NULL,
    step         TEXT NOT NULL,
    version      BIGINT NOT NULL,
    PRIMARY KEY (project_code, kind)
);
