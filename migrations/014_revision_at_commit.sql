-- 014_revision_at_commit.sql: revisions are numbered at COMMIT, so that
-- writers no longer queue behind each other for their whole transaction.
--
-- Before (001): bdg.next_revision() took pg_advisory_xact_lock(7310001) at
-- a write's first audit row and held it to the end of the transaction, so
-- every writer waited for every other one's statements and round trips
-- (POST /plans: 5 of its 8 round trips under the lock).
--
-- Now:
--   * bdg.next_revision() hands out a PROVISIONAL revision, 2^62 + n, from
--     its own sequence, without a lock. Provisional revisions sort above
--     every final one and in the order they were taken, so what reads a
--     resource's audit rows inside the writing transaction (audit_last,
--     audit_mine, "UPDATE bdg.audit ... WHERE revision = rev") works as
--     before; nobody else ever sees them (the rows are not committed).
--   * A DEFERRABLE INITIALLY DEFERRED constraint trigger on bdg.audit runs
--     at COMMIT: it takes the advisory lock and gives the transaction's
--     audit rows the next final revisions, one contiguous block in the
--     order the rows were written. The lock is released only after the
--     commit is visible (PostgreSQL releases transaction locks after it
--     marks the transaction committed), so a transaction numbered after
--     another one becomes visible after it: a reader of the changes feed
--     never sees revision N+1 before N, and a batch's revisions appear at
--     once. The lock is now held for the numbering and the commit only.
--   * Nothing outside bdg.audit_number takes from bdg.revision_seq.
-- tests/api/changes.test.mjs proves it under concurrent writers, with a
-- commit made slow on purpose inside the locked section.

CREATE SEQUENCE bdg.audit_pending_seq;

-- Provisional revisions start above 2^62 (4611686018427387904); final
-- revisions stay far below.
CREATE OR REPLACE FUNCTION bdg.next_revision() RETURNS bigint
LANGUAGE sql VOLATILE AS $$
	SELECT 4611686018427387904::bigint + nextval('bdg.audit_pending_seq')
$$;

-- Fired once per audit row at COMMIT; the first firing numbers every
-- provisional row of the transaction and records the highest provisional
-- revision it numbered, so the others return at once. Rows written later
-- in the commit (by another deferred trigger) are numbered by their own
-- firing, after the first block.
CREATE FUNCTION bdg.audit_number() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	done bigint := coalesce(nullif(current_setting('bdg.revision_numbered', true), '')::bigint, 0);
	n bigint;
	hi bigint;
	base bigint;
BEGIN
	IF NEW.revision <= done THEN
		RETURN NULL;
	END IF;
	PERFORM pg_advisory_xact_lock(7310001);
	SELECT count(*), max(a.revision) INTO n, hi FROM bdg.audit a
	WHERE a.revision > 4611686018427387904::bigint;
	IF n = 0 THEN
		RETURN NULL;
	END IF;
	base := nextval('bdg.revision_seq');
	IF n > 1 THEN
		PERFORM setval('bdg.revision_seq', base + n - 1);
	END IF;
	UPDATE bdg.audit a SET revision = base + m.k - 1
	FROM (SELECT p.revision AS provisional, row_number() OVER (ORDER BY p.revision) AS k
	      FROM bdg.audit p WHERE p.revision > 4611686018427387904::bigint) m
	WHERE a.revision = m.provisional;
	PERFORM set_config('bdg.revision_numbered', hi::text, true);
	RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER audit_number AFTER INSERT ON bdg.audit
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	WHEN (NEW.revision > 4611686018427387904::bigint)
	EXECUTE FUNCTION bdg.audit_number();
