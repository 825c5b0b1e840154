-- Every command rewrites a case's updated_at, so every index holding it gains a changed page
-- per commit. These two only ever serve some cases: the agent's list (cases with an agent)
-- and the default-rating pass (completed cases); as partial indexes the other cases' updates
-- leave them alone.
DROP INDEX cases_agent;
CREATE INDEX cases_agent ON cases(agent_id, updated_at) WHERE agent_id IS NOT NULL;
DROP INDEX cases_state_updated;
CREATE INDEX cases_completed ON cases(updated_at) WHERE state = 'completed';
