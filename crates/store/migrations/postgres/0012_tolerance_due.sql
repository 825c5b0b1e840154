-- 容缺受理, PostgreSQL twin of the SQLite migration: the earliest due date of a case's
-- pending materials, so the sweep that handles overdue ones is an index range.
ALTER TABLE cases ADD COLUMN tolerance_due TEXT;
CREATE INDEX cases_tolerance_due ON cases(tolerance_due);
-- Cases stored before this column existed: fill it from their data.
UPDATE cases SET tolerance_due = (
    SELECT MIN(m.value ->> 'due') FROM jsonb_each(cases.data::jsonb -> 'materials') m
    WHERE m.value ->> 'how' = 'pending')
WHERE state IN ('accepted', 'in_review');
