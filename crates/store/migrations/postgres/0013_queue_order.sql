-- PostgreSQL twin of the SQLite migration: queues read in deadline order from an index.
CREATE INDEX cases_queue_due ON cases(queue_role, (COALESCE(due_date, '9999-12-31')), created_at)
    WHERE queue_role IS NOT NULL;
