-- 告知承诺: approvals made on a commitment are verified later; the due date sits in a column so
-- reviewers' verification lists are one indexed query.
ALTER TABLE cases ADD COLUMN verify_due TEXT;
CREATE INDEX cases_verify ON cases(verify_due, region, department);
