-- 容缺受理: the earliest due date of a case's pending materials, so the sweep that handles
-- overdue ones is an index range instead of reading every accepted case.
ALTER TABLE cases ADD COLUMN tolerance_due TEXT;
CREATE INDEX cases_tolerance_due ON cases(tolerance_due);
-- Cases stored before this column existed: fill it from their data.
UPDATE cases SET tolerance_due = (
    SELECT MIN(json_extract(m.value, '$.due')) FROM json_each(cases.data, '$.materials') m
    WHERE json_extract(m.value, '$.how') = 'pending')
WHERE state IN ('accepted', 'in_review');
