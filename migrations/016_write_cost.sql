-- 016_write_cost.sql: a plan write costs the same whatever the size of the
-- tables (issue 8, step 5).
--
-- Measured on a cluster that grew from 100 to 2,250 plans under POST load
-- (pg_stat_statements, auto_explain with nested statements): the CPU of a
-- POST /plans grew from 5.3 to 8.6 ms, and its requests/s fell from 137 to
-- 71, because
--   * bdg.audit_number (014) found the transaction's provisional rows with
--     "revision > 2^62": without statistics on bdg.audit the planner takes
--     a third of the table for that range and scans all of it, twice, at
--     every commit and under the revision lock (271 -> 1,337 and 554 ->
--     2,686 buffers a commit); with statistics it walks audit_pkey over
--     every provisional entry left dead by earlier renumberings until
--     VACUUM removes them;
--   * bdg.plan_cache_refresh (015) and bdg.plan_changed (003) select
--     "id = ANY (ids)": the generic plan a pooled connection caches while
--     bdg.plan is small is a sequential scan, and it stays one for the
--     life of the connection until ANALYZE invalidates it (six scans of
--     the whole plan table a POST, three of them for an empty id list);
--   * a POST rendered the plan's document ten times and rewrote its audit
--     row and its cache row three times each: the plan row, then its
--     recipients, then its reporting entries, each statement refreshing
--     both (lib/plan.c now writes all three in one statement, see
--     plan_create, and the refreshes below skip what is unchanged).
--
-- Here:
--   * bdg.next_revision records the transaction's first provisional
--     revision (bdg.revision_first, transaction-local); bdg.audit_number
--     numbers the rows from there in one pass, so it reads only this
--     transaction's rows and those of the writers that ran beside it.
--     Its plans are index walks whatever the statistics say.
--   * plan_changed and plan_cache_refresh fetch plans one id at a time (a
--     primary-key lookup is an index scan in any cached plan), return at
--     once for an empty list, and write nothing when the document is
--     unchanged; the cache's split around the activity count is found
--     with strpos instead of a backtracking regular expression (same
--     halves: the first '"activity_count": ' of the text, which no string
--     value can contain unescaped).
--   * The tables every write touches are analysed after 2 % of changes
--     instead of 10 % (and bdgd's embedded cluster looks every 10 s, not
--     60: lib/pgembed.c), so cached plans are replanned soon after a table
--     grows.
-- Nothing changes in what is stored: audit rows, revisions, versions and
-- cached halves are the same bytes as before.

-- Revisions ---------------------------------------------------------------------

CREATE OR REPLACE FUNCTION bdg.next_revision() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	rev bigint := 4611686018427387904::bigint + nextval('bdg.audit_pending_seq');
BEGIN
	IF coalesce(current_setting('bdg.revision_first', true), '') = '' THEN
		PERFORM set_config('bdg.revision_first', rev::text, true);
	END IF;
	RETURN rev;
END $$;

-- As 014: the first firing at COMMIT numbers every provisional row of the
-- transaction, in the order they were written, as one block; later
-- firings (rows written by another deferred trigger) number what is left
-- above the last block. Provisional revisions come from one sequence, so
-- the transaction's rows all lie at or above its first one; the range
-- holds, besides them, only rows of transactions that wrote since
-- (invisible, or dead after their own renumbering).
CREATE OR REPLACE FUNCTION bdg.audit_number() RETURNS trigger
LANGUAGE plpgsql
SET enable_seqscan = off
AS $$
DECLARE
	done bigint := coalesce(nullif(current_setting('bdg.revision_numbered', true), '')::bigint, 0);
	lo bigint;
	n bigint;
	hi bigint;
	base bigint;
BEGIN
	IF NEW.revision <= done THEN
		RETURN NULL;
	END IF;
	lo := greatest(coalesce(nullif(current_setting('bdg.revision_first', true), '')::bigint,
		4611686018427387905::bigint), done + 1);
	PERFORM pg_advisory_xact_lock(7310001);
	base := nextval('bdg.revision_seq');
	WITH moved AS (
		UPDATE bdg.audit a SET revision = base + m.k - 1
		FROM (SELECT p.revision AS provisional, row_number() OVER (ORDER BY p.revision) AS k
		      FROM bdg.audit p WHERE p.revision >= lo) m
		WHERE a.revision = m.provisional
		RETURNING m.provisional)
	SELECT count(*), max(moved.provisional) INTO n, hi FROM moved;
	IF n = 0 THEN
		PERFORM setval('bdg.revision_seq', base, false);   -- nothing taken: no gap
		RETURN NULL;
	END IF;
	IF n > 1 THEN
		PERFORM setval('bdg.revision_seq', base + n - 1);
	END IF;
	PERFORM set_config('bdg.revision_numbered', hi::text, true);
	RETURN NULL;
END $$;

-- Plans: the audit row and the cached document ------------------------------------

-- As 003: the recipients or reporting entries of these plans changed; a
-- plan whose audit row this transaction wrote gets its document there (when
-- it differs), any other one a new version.
CREATE OR REPLACE FUNCTION bdg.plan_changed(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	pid bigint;
	p bdg.plan;
	rev bigint;
	doc jsonb;
BEGIN
	FOR pid IN SELECT DISTINCT x FROM unnest(ids) AS x WHERE x IS NOT NULL ORDER BY x LOOP
		SELECT * INTO p FROM bdg.plan WHERE id = pid;
		CONTINUE WHEN NOT FOUND;
		rev := bdg.audit_mine('plan', pid);
		IF rev IS NOT NULL THEN
			doc := bdg.plan_doc(p);
			UPDATE bdg.audit SET after = doc WHERE revision = rev AND after IS DISTINCT FROM doc;
		ELSE
			UPDATE bdg.plan SET children_rev = children_rev + 1 WHERE id = pid;
		END IF;
	END LOOP;
END $$;

-- As 015: each plan's document split around its activity count.
CREATE OR REPLACE FUNCTION bdg.plan_cache_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	pid bigint;
	doc jsonb;
	t text;
	k int;
	head text;
	tail text;
BEGIN
	FOR pid IN SELECT DISTINCT x FROM unnest(ids) AS x WHERE x IS NOT NULL LOOP
		SELECT bdg.plan_doc(p) INTO doc FROM bdg.plan p WHERE p.id = pid;
		CONTINUE WHEN NOT FOUND;
		t := doc::text;
		k := strpos(t, '"activity_count": ');
		head := NULL;
		tail := NULL;
		IF k > 0 AND jsonb_typeof(doc -> 'activity_count') = 'number' THEN
			head := left(t, k + 17);
			tail := substr(t, k + 18 + length(doc ->> 'activity_count'));
		END IF;
		INSERT INTO bdg.plan_cache AS c (plan_id, head, tail) VALUES (pid, head, tail)
		ON CONFLICT (plan_id) DO UPDATE SET head = EXCLUDED.head, tail = EXCLUDED.tail
		WHERE (c.head, c.tail) IS DISTINCT FROM (EXCLUDED.head, EXCLUDED.tail);
	END LOOP;
END $$;

-- Statistics --------------------------------------------------------------------

ALTER TABLE bdg.plan SET (autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE bdg.plan_recipient SET (autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE bdg.plan_reporting SET (autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE bdg.plan_cache SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_scale_factor = 0.05);
ALTER TABLE bdg.activity SET (autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE bdg.activity_unit SET (autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE bdg.audit SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_scale_factor = 0.05);
