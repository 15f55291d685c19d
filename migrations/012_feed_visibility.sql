-- 012_feed_visibility.sql: the changes feed and the audit log show exactly
-- what the token may read, and a consumer replaying the feed ends with the
-- documents GET answers.
--
-- 1. Readers of an audit row. Until now a row carried one ltree, the
--    writing unit's path, and bdg.audit_visible guessed the readers from it;
--    plans addressed across branches (plan_visible via plan_recipient) and
--    activities led or coordinated from another branch (activity_visible)
--    were readable by GET but missing from those units' feeds. Each row now
--    carries its readers, computed at write time from the rules of the read
--    functions (006, 008), as two sets of unit paths:
--      above  the row is read by every unit at or above one of these paths
--             (the unit itself, a plan's issuer, a report's unit and
--             addressee, an activity's lead and coordinating units);
--      below  the row is read by every unit at or below one of these paths
--             (a plan's issuer and recipients; '' for the indicator
--             catalogue, which everyone reads).
--    A token of path P reads a row when `above <@ P OR below @> P`
--    (bdg.audit_visible; lib/change.c spells the same test inline). The sets
--    come from the row's document (after, or before for a deletion) and,
--    for activities and targets, from their plan's current readers.
--    When the readers of a resource change (recipients, lead unit, a unit
--    moved), the older rows of that resource keep only the readers they
--    share with the new row, so nobody keeps reading the history of what
--    they may no longer read; and when a plan's readers change, each of its
--    activities and targets gets a row of its own for the new readers.
-- 2. Derived fields. A plan's activity_count is counted from its
--    activities: adding or removing one changed the plan as GET shows it
--    without a revision of the plan, so a feed consumer kept a stale plan.
--    Now such a change refreshes the plan's audit row of this transaction,
--    or writes an 'update' row of the plan with its current document (its
--    version does not change: nothing of the plan itself was written, and
--    If-Match on the plan stays valid). Rows written before this migration
--    are made right by one 'update' row for each plan whose last row
--    differs from its document.
-- 3. Speed. The feed printed `after` (jsonb) for every row it read; `data`
--    (json, generated from after) is that text stored once, and the
--    visibility test is two array operators instead of a function call per
--    row.

-- The readers ------------------------------------------------------------------

ALTER TABLE bdg.audit
	ADD COLUMN above ltree[] NOT NULL DEFAULT '{}',
	ADD COLUMN below ltree[] NOT NULL DEFAULT '{}',
	ADD COLUMN data json GENERATED ALWAYS AS (after::json) STORED;

-- The paths of these unit codes (codes of units that no longer exist are
-- left out: ltree arrays hold no NULL).
CREATE FUNCTION bdg.unit_paths(codes text[]) RETURNS ltree[]
LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_agg(u.path ORDER BY u.path), '{}') FROM bdg.unit u WHERE u.code = ANY (codes)
$$;

CREATE FUNCTION bdg.json_texts(j jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(array_agg(x), '{}') FROM jsonb_array_elements_text(coalesce(j, '[]')) AS x
$$;

-- Who reads plan `pid` now (bdg.plan_visible): at or above its issuer, at
-- or below its issuer and its recipients. NULLs when the plan is gone.
CREATE FUNCTION bdg.plan_readers(pid bigint, OUT above ltree[], OUT below ltree[])
LANGUAGE plpgsql STABLE AS $$
BEGIN
	SELECT ARRAY[u.path], ARRAY[u.path] || bdg.unit_paths(ARRAY(
		SELECT ru.code FROM bdg.plan_recipient r JOIN bdg.unit ru ON ru.id = r.unit_id WHERE r.plan_id = p.id))
	INTO above, below
	FROM bdg.plan p JOIN bdg.unit u ON u.id = p.unit_id WHERE p.id = pid;
END $$;

-- The readers of an audit row of `resource` written at `scope` whose
-- document is `doc`, by the rules of the read functions:
--   unit       at or above the unit                       (unit.c: path <@ actor)
--   indicator  everyone
--   plan       bdg.plan_visible, from the document's unit and recipients
--   activity   bdg.activity_visible: its plan's readers, and at or above its
--              lead and coordinating units
--   target     its plan's readers (targets are read through the plan)
--   report     bdg.report_visible: at or above its unit and its addressee
--              (scope ADDRESSEE.via.UNIT, or UNIT when the addressee is above)
--   anything else: at or above the scope.
CREATE FUNCTION bdg.audit_readers(resource text, scope ltree, doc jsonb, OUT above ltree[], OUT below ltree[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
	via int := CASE WHEN scope IS NULL THEN -1 ELSE index(scope, 'via') END;
	pid bigint;
BEGIN
	above := '{}';
	below := '{}';
	IF resource = 'indicator' THEN
		below := ARRAY[''::ltree];
	ELSIF resource = 'plan' THEN
		above := array_remove(ARRAY[scope], NULL);
		below := above || bdg.unit_paths(bdg.json_texts(doc -> 'recipients'));
	ELSIF resource IN ('activity', 'target') THEN
		pid := (doc ->> 'plan')::bigint;
		SELECT r.above, r.below INTO above, below FROM bdg.plan_readers(pid) r;
		IF above IS NULL THEN
			above := array_remove(ARRAY[scope], NULL);
			below := above;
		END IF;
		IF resource = 'activity' THEN
			above := above || bdg.unit_paths(array_append(bdg.json_texts(doc -> 'coordinating_units'),
				doc ->> 'lead_unit'));
		END IF;
	ELSIF resource = 'report' AND via >= 0 THEN
		above := ARRAY[subpath(scope, 0, via), subpath(scope, via + 1)];
	ELSE
		above := array_remove(ARRAY[scope], NULL);
	END IF;
END $$;

-- A token whose unit has path `actor` reads the row. (lib/change.c writes
-- the same test inline, as a CASE: the planner then keeps the feed's scan
-- in revision order, which it does not for a function call or a bare OR
-- of ltree operators.)
DROP FUNCTION bdg.audit_visible(ltree, text, ltree);
CREATE FUNCTION bdg.audit_visible(above ltree[], below ltree[], actor ltree) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN above <@ actor OR below @> actor THEN true ELSE false END
$$;

-- BEFORE INSERT or an UPDATE of what decides them: the readers.
CREATE FUNCTION bdg.audit_before() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	r := bdg.audit_readers(NEW.resource, NEW.scope, coalesce(NEW.after, NEW.before));
	NEW.above := r.above;
	NEW.below := r.below;
	RETURN NEW;
END $$;

CREATE TRIGGER audit_before BEFORE INSERT OR UPDATE OF resource, scope, before, after ON bdg.audit
	FOR EACH ROW EXECUTE FUNCTION bdg.audit_before();

-- Refresh the audit trail of a resource for its current readers: this
-- transaction's row is recomputed in place; otherwise an 'update' row with
-- the document as it is (no version change) reaches the new readers.
CREATE FUNCTION bdg.audit_refresh(res text, rid bigint, k text, sc ltree, doc jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	rev bigint := bdg.audit_mine(res, rid);
BEGIN
	IF rev IS NOT NULL THEN
		UPDATE bdg.audit SET after = doc WHERE revision = rev;
	ELSE
		PERFORM bdg.audit_write(res, rid, k, 'update', sc, bdg.audit_last(res, rid), doc);
	END IF;
END $$;

-- AFTER a row is written or its readers recomputed: when they differ from
-- the resource's previous row, the older rows keep only the readers they
-- share with this one; and a plan's new readers reach its activities and
-- targets. (Not on the renumbering of revisions: only these columns.)
CREATE FUNCTION bdg.audit_after() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	prev record;
	a bdg.activity;
	t bdg.target;
BEGIN
	IF NEW.resource_id IS NULL THEN
		RETURN NULL;
	ELSIF TG_OP = 'UPDATE' THEN
		IF OLD.above = NEW.above AND OLD.below = NEW.below THEN
			RETURN NULL;
		END IF;
	ELSE
		SELECT p.above, p.below INTO prev FROM bdg.audit p
		WHERE p.resource = NEW.resource AND p.resource_id = NEW.resource_id AND p.revision < NEW.revision
		ORDER BY p.revision DESC LIMIT 1;
		IF NOT FOUND OR (prev.above = NEW.above AND prev.below = NEW.below) THEN
			RETURN NULL;
		END IF;
	END IF;
	UPDATE bdg.audit p SET
		above = ARRAY(SELECT unnest(p.above) INTERSECT SELECT unnest(NEW.above)),
		below = ARRAY(SELECT unnest(p.below) INTERSECT SELECT unnest(NEW.below))
	WHERE p.resource = NEW.resource AND p.resource_id = NEW.resource_id AND p.revision < NEW.revision
	  AND NOT (p.above <@ NEW.above AND p.below <@ NEW.below);
	IF NEW.resource = 'plan' AND NEW.op <> 'delete' THEN
		FOR a IN SELECT * FROM bdg.activity WHERE plan_id = NEW.resource_id ORDER BY id LOOP
			PERFORM bdg.audit_refresh('activity', a.id, a.id::text, NEW.scope, bdg.activity_doc(a));
		END LOOP;
		FOR t IN SELECT * FROM bdg.target WHERE plan_id = NEW.resource_id ORDER BY id LOOP
			PERFORM bdg.audit_refresh('target', t.id, bdg.target_key(t), NEW.scope, bdg.target_doc(t));
		END LOOP;
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER audit_after AFTER INSERT OR UPDATE OF resource, scope, before, after ON bdg.audit
	FOR EACH ROW EXECUTE FUNCTION bdg.audit_after();

-- Derived fields: a plan's activity_count --------------------------------------

-- The plans whose document changed because their activities did: this
-- transaction's row of the plan takes the new document, or an 'update' row
-- records it (when it differs from the last one). A plan being deleted
-- (bdg.plan_before_delete deletes its activities first) is skipped.
-- The plan's row lock (FOR NO KEY UPDATE: activity inserts elsewhere only
-- take KEY SHARE for their foreign key) orders two transactions that add
-- activities to one plan, and the document is rendered after it, in a
-- statement of its own (a fresh snapshot): the later commit, numbered
-- later, counts the earlier one's activity too.
CREATE FUNCTION bdg.plan_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	p bdg.plan;
	doc jsonb;
BEGIN
	FOR p IN SELECT * FROM bdg.plan WHERE id = ANY (ids)
	         AND id::text IS DISTINCT FROM nullif(current_setting('bdg.plan_deleting', true), '')
	         ORDER BY id FOR NO KEY UPDATE LOOP
		doc := bdg.plan_doc(p);
		IF bdg.audit_last('plan', p.id) IS DISTINCT FROM doc THEN
			PERFORM bdg.audit_refresh('plan', p.id, bdg.plan_key(p),
				(SELECT u.path FROM bdg.unit u WHERE u.id = p.unit_id), doc);
		END IF;
	END LOOP;
END $$;

-- Statement level on bdg.activity: the plans of the rows inserted or deleted.
CREATE FUNCTION bdg.activity_count_after() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	ids bigint[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(DISTINCT plan_id) INTO ids FROM new_rows;
	ELSE
		SELECT array_agg(DISTINCT plan_id) INTO ids FROM old_rows;
	END IF;
	IF ids IS NOT NULL THEN
		PERFORM bdg.plan_refresh(ids);
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER activity_count_after_insert AFTER INSERT ON bdg.activity
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.activity_count_after();
CREATE TRIGGER activity_count_after_delete AFTER DELETE ON bdg.activity
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bdg.activity_count_after();

-- 003's rule, word for word, with the plan marked as being deleted while
-- its activities and targets go.
CREATE OR REPLACE FUNCTION bdg.plan_before_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.status <> 'draft' THEN
		PERFORM bdg.fail('BD409', format('plan %s is %s and cannot be deleted; cancel it instead',
			bdg.plan_label(OLD), OLD.status));
	END IF;
	IF EXISTS (SELECT 1 FROM bdg.plan c WHERE c.parent_plan_id = OLD.id) THEN
		PERFORM bdg.fail('BD409', format('plan %s cannot be deleted: other plans implement it',
			bdg.plan_label(OLD)));
	END IF;
	PERFORM set_config('bdg.plan_deleting', OLD.id::text, true);
	DELETE FROM bdg.target WHERE plan_id = OLD.id;
	DELETE FROM bdg.activity WHERE plan_id = OLD.id;
	PERFORM set_config('bdg.plan_deleting', '', true);
	RETURN OLD;
END $$;

-- The rows written before this migration ----------------------------------------

UPDATE bdg.audit a SET above = r.above, below = r.below
FROM (SELECT x.revision, (bdg.audit_readers(x.resource, x.scope, coalesce(x.after, x.before))).*
      FROM bdg.audit x) r
WHERE r.revision = a.revision;

SELECT bdg.plan_refresh(array_agg(id)) FROM bdg.plan;
