-- 017_unit_move_feed.sql: the changes feed and the audit log follow a unit
-- that moves (issue 5; the gap 012 left).
--
-- 012 stores the readers of an audit row as unit paths (above, below, and
-- the row's scope, which the feed's under= filter reads). A path is the
-- chain of ids from the root, so when a unit moves (002: a new parent, the
-- new path cascaded to its subtree) every stored path that names a unit of
-- the moved subtree is stale: it names no unit any more, and tested against
-- the current paths it lets the old ancestors read what GET no longer shows
-- them, and hides from the new ancestors (and from the moved units
-- themselves, for plans addressed to them) what GET now shows them. And 012
-- narrowed the older rows of each moved unit to the readers they "share"
-- with its new row: none, by path, so even the unit's own history vanished.
--
-- Now, in the transaction of the move, when the unit row with a new parent
-- is written (bdg.unit_after, before it cascades and audits):
--   1. Rekey (bdg.audit_rekey): every stored path under the old path of the
--      moved unit is rewritten under its new path, in above, below and
--      scope (both halves of a report's ADDRESSEE.via.UNIT), in one
--      statement. A row names the same units as before, and "at or above
--      X" means X's ancestors as they are now: the history of the moved
--      units' resources follows them, the old ancestors stop reading it,
--      the new ones read it. Rewriting scope recomputes nothing: the audit
--      triggers no longer fire on an update of scope alone (nothing else
--      updates it).
--   2. Refresh (bdg.unit_moved_refresh, after the cascade): an 'update' row
--      with the current document, for its current readers, of every
--      resource whose readers the move changed, so that a consumer who had
--      read past the move's revision gets what it can read now:
--        plans issued by a unit of the subtree or addressed to one, and the
--        plans issued by the new ancestors the subtree did not have before
--        (their readers below reach the subtree now); activities led or
--        coordinated by a unit of the subtree, and every activity and
--        target of those plans; reports of a unit of the subtree or
--        addressed to one. The units of the subtree have their own rows
--        already (002's cascade bumps their versions).
--      Each goes through bdg.audit_refresh (012), in the order plans,
--      activities, targets, reports: a resource whose row this transaction
--      wrote already (a plan's readers that changed refresh its activities
--      and targets, 012) is skipped. Candidates are found by index (unit,
--      lead, recipient, plan keys), so the cost grows with the resources
--      of the moved subtree, not with the tables.
-- Revisions stay as 014/016 number them: rows are written with
-- bdg.audit_write and renumbered at commit.
-- Known limit: a report addressed to an ancestor of its unit is stored
-- with the unit's path alone (008), so an addressee left behind by a move
-- reads the report's refresh row and later ones, not the rows before.

-- Paths ---------------------------------------------------------------------------

-- `p` as it reads after the subtree at `old` moved to `new`.
CREATE FUNCTION bdg.path_moved(p ltree, old ltree, new ltree) RETURNS ltree
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN p = old THEN new WHEN p <@ old THEN new || subpath(p, nlevel(old)) ELSE p END
$$;

-- The same for each path of a set, in its order.
CREATE FUNCTION bdg.paths_moved(ps ltree[], old ltree, new ltree) RETURNS ltree[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce(array_agg(bdg.path_moved(x, old, new) ORDER BY k), '{}')
	FROM unnest(ps) WITH ORDINALITY AS u(x, k)
$$;

-- The same for an audit scope, whose report form is ADDRESSEE.via.UNIT.
CREATE FUNCTION bdg.scope_moved(s ltree, old ltree, new ltree) RETURNS ltree
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN s IS NULL OR index(s, 'via') < 0 THEN bdg.path_moved(s, old, new)
	            ELSE bdg.path_moved(subpath(s, 0, index(s, 'via')), old, new) || 'via'::ltree
	                 || bdg.path_moved(subpath(s, index(s, 'via') + 1), old, new) END
$$;

-- Step 1: every audit row naming a unit under `old` names it under `new`.
-- One pass over bdg.audit (no index serves "an element under a path", and
-- a GiST index on both reader sets would cost every write for a rare move).
CREATE FUNCTION bdg.audit_rekey(old ltree, new ltree) RETURNS void
LANGUAGE sql AS $$
	UPDATE bdg.audit a SET
		above = bdg.paths_moved(a.above, old, new),
		below = bdg.paths_moved(a.below, old, new),
		scope = bdg.scope_moved(a.scope, old, new)
	WHERE a.above <@ old OR a.below <@ old OR a.scope <@ old
	   OR (index(a.scope, 'via') >= 0 AND subpath(a.scope, index(a.scope, 'via') + 1) <@ old)
$$;

-- The ids named by the labels of a path.
CREATE FUNCTION bdg.path_ids(p ltree) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce(array_agg(x::bigint), '{}') FROM unnest(string_to_array(ltree2text(p), '.')) AS x
	WHERE x ~ '^[0-9]+$'
$$;

-- Step 2: unit `u` has moved from `old` (its subtree's paths are current):
-- an 'update' row for every resource whose readers changed.
CREATE FUNCTION bdg.unit_moved_refresh(u bdg.unit, old ltree) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	sub bigint[] := ARRAY(SELECT s.id FROM bdg.unit s WHERE s.path <@ u.path);
	gained bigint[] := ARRAY(SELECT x FROM unnest(bdg.path_ids(u.path)) AS x WHERE x <> u.id
	                         EXCEPT SELECT y FROM unnest(bdg.path_ids(old)) AS y);
	plans bigint[];
	p bdg.plan;
	a bdg.activity;
	t bdg.target;
	r bdg.report;
BEGIN
	plans := ARRAY(SELECT x.id FROM bdg.plan x WHERE x.unit_id = ANY (sub) OR x.unit_id = ANY (gained)
	               UNION SELECT pr.plan_id FROM bdg.plan_recipient pr WHERE pr.unit_id = ANY (sub));
	FOR p IN SELECT * FROM bdg.plan x WHERE x.id = ANY (plans) ORDER BY x.id LOOP
		PERFORM bdg.audit_refresh('plan', p.id, bdg.plan_key(p), bdg.plan_scope(p.id), bdg.plan_doc(p));
	END LOOP;
	FOR a IN SELECT * FROM bdg.activity x
	         WHERE x.id IN (SELECT y.id FROM bdg.activity y WHERE y.plan_id = ANY (plans) OR y.lead_unit_id = ANY (sub)
	                        UNION SELECT au.activity_id FROM bdg.activity_unit au WHERE au.unit_id = ANY (sub))
	         ORDER BY x.id LOOP
		CONTINUE WHEN bdg.audit_mine('activity', a.id) IS NOT NULL;
		PERFORM bdg.audit_refresh('activity', a.id, a.id::text, bdg.plan_scope(a.plan_id), bdg.activity_doc(a));
	END LOOP;
	FOR t IN SELECT * FROM bdg.target x WHERE x.plan_id = ANY (plans) ORDER BY x.id LOOP
		CONTINUE WHEN bdg.audit_mine('target', t.id) IS NOT NULL;
		PERFORM bdg.audit_refresh('target', t.id, bdg.target_key(t), bdg.plan_scope(t.plan_id), bdg.target_doc(t));
	END LOOP;
	FOR r IN SELECT * FROM bdg.report x WHERE x.unit_id = ANY (sub) OR x.to_unit_id = ANY (sub) ORDER BY x.id LOOP
		CONTINUE WHEN bdg.audit_mine('report', r.id) IS NOT NULL;
		PERFORM bdg.audit_refresh('report', r.id, bdg.report_key(r), bdg.report_scope(r.unit_id, r.to_unit_id),
			bdg.report_doc(r));
	END LOOP;
END $$;

-- 002's trigger, with the two steps around the cascade for the unit whose
-- parent changed (the units below it move with it, rekeyed by its step 1).
CREATE OR REPLACE FUNCTION bdg.unit_after() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	moved boolean := TG_OP = 'UPDATE' AND NEW.path <> OLD.path;
	root boolean := moved AND NEW.parent_id IS DISTINCT FROM OLD.parent_id;
BEGIN
	IF root THEN
		PERFORM bdg.audit_rekey(OLD.path, NEW.path);
	END IF;
	IF moved THEN
		UPDATE bdg.unit SET path = NEW.path || subpath(path, nlevel(OLD.path))
		WHERE path <@ OLD.path AND id <> NEW.id;
	END IF;
	IF TG_OP = 'DELETE' THEN
		PERFORM bdg.audit_write('unit', OLD.id, OLD.code, 'delete', OLD.path, bdg.unit_doc(OLD), NULL);
		RETURN OLD;
	END IF;
	PERFORM bdg.audit_write('unit', NEW.id, NEW.code,
		CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END,
		NEW.path, CASE WHEN TG_OP = 'UPDATE' THEN bdg.unit_doc(OLD) END, bdg.unit_doc(NEW));
	IF root THEN
		PERFORM bdg.unit_moved_refresh(NEW, OLD.path);
	END IF;
	RETURN NEW;
END $$;

-- 012's audit triggers, no longer on an update of scope alone (step 1).
DROP TRIGGER audit_before ON bdg.audit;
CREATE TRIGGER audit_before BEFORE INSERT OR UPDATE OF resource, before, after ON bdg.audit
	FOR EACH ROW EXECUTE FUNCTION bdg.audit_before();
DROP TRIGGER audit_after ON bdg.audit;
CREATE TRIGGER audit_after AFTER INSERT OR UPDATE OF resource, before, after ON bdg.audit
	FOR EACH ROW EXECUTE FUNCTION bdg.audit_after();
