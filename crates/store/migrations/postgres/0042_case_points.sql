-- 收件与办结分离: the service point that received a case for another office, and the point
-- its result is collected at (就近取件); both NULL when the concluding office received it.
-- Clerks of those points find the case in their queues; each point's figures count it.
ALTER TABLE cases ADD COLUMN intake_point TEXT;
ALTER TABLE cases ADD COLUMN pickup_point TEXT;
CREATE INDEX cases_intake_point ON cases(intake_point, queue_role) WHERE intake_point IS NOT NULL;
CREATE INDEX cases_pickup_point ON cases(pickup_point, queue_role) WHERE pickup_point IS NOT NULL;
