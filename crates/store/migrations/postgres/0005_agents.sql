-- 帮办代办: the agent who filed a case for its applicant, so agents can list what they filed.
ALTER TABLE cases ADD COLUMN agent_id TEXT;
CREATE INDEX cases_agent ON cases(agent_id, updated_at);
