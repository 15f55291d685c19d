-- 005_changes.sql: who may read which audit row (the changes feed and the
-- audit log share it). A row is visible to a token of unit U (path P) when
--   * its scope lies in U's subtree, or
--   * it has no scope (the indicator catalogue, read by everyone), or
--   * it is a plan, activity or target issued by an ancestor of U (scope
--     above P): plans reach down to the units that implement them.
CREATE FUNCTION bdg.audit_visible(scope ltree, resource text, actor ltree) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT actor IS NOT NULL AND (scope IS NULL OR scope <@ actor
		OR (resource IN ('plan', 'activity', 'target') AND actor <@ scope))
$$;
