-- Work queues sorted by deadline, read in index order: a queue page walks this index (cases
-- without a deadline last) and stops after one page, instead of sorting every waiting case.
-- Partial: only cases that wait in a queue are in it.
CREATE INDEX cases_queue_due ON cases(queue_role, (COALESCE(due_date, '9999-12-31')), created_at)
    WHERE queue_role IS NOT NULL;
