-- 001_core.sql: what every resource shares.
--   * extensions: ltree (unit subtrees), unaccent (search without diacritics)
--   * bdg.fold(text): the search form of a text ("Hương Trà" -> "huong tra")
--   * the global revision: one sequence, taken under a transaction-scoped
--     advisory lock so that revisions become visible in commit order
--   * the audit log, which is also the changes feed
--   * the idempotency keys of POST requests
--   * bdg.touch(): version and updated_at, and no-op updates skipped
--   * bdg.fail(): raise one of bdg's own errors (SQLSTATE BDxxx) naming a field
CREATE EXTENSION IF NOT EXISTS ltree;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE SCHEMA IF NOT EXISTS bdg;

-- Lower case, no diacritics, đ -> d, runs of space folded.
CREATE FUNCTION bdg.fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
	SELECT regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary,
		translate(t, 'đĐ', 'dD'))), '\s+', ' ', 'g')
$$;

-- True when every word of the query q (folded) occurs in the folded text s.
CREATE FUNCTION bdg.matches(s text, q text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT q IS NULL OR NOT EXISTS (
		SELECT 1 FROM unnest(string_to_array(bdg.fold(q), ' ')) AS w
		WHERE w <> '' AND strpos(s, w) = 0)
$$;

-- Raise one of bdg's own errors: state is BD400/BD403/BD404/BD409/BD412/BD422,
-- field the JSON pointer at fault (or NULL). The message is shown to callers.
CREATE FUNCTION bdg.fail(state text, msg text, field text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF field IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = state, MESSAGE = msg;
	END IF;
	RAISE EXCEPTION USING ERRCODE = state, MESSAGE = msg, COLUMN = field;
END $$;

-- Raise when ok is false; true otherwise. For checks inside a statement:
--   SELECT bdg.check(p.id IS NOT NULL, 'BD422', 'no such unit', '/parent') ...
CREATE FUNCTION bdg.check(ok boolean, state text, msg text, field text DEFAULT NULL) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	IF ok IS NOT TRUE THEN
		PERFORM bdg.fail(state, msg, field);
	END IF;
	RETURN true;
END $$;

-- The revision counter. The advisory lock is held until commit, so a
-- transaction that takes revision N+1 commits after the one holding N:
-- a reader of the changes feed never sees N+1 before N.
CREATE SEQUENCE bdg.revision_seq;

CREATE FUNCTION bdg.next_revision() RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(7310001);
	RETURN nextval('bdg.revision_seq');
END $$;

-- Every write, in revision order: who, when, what, before and after (the
-- resource as the API shows it). The changes feed reads this table.
CREATE TABLE bdg.audit (
	revision    bigint PRIMARY KEY,
	at          timestamptz NOT NULL DEFAULT now(),
	actor_sub   text,
	actor_unit  text,
	actor_role  text,
	request_id  text,
	resource    text NOT NULL,          -- unit | plan | activity | indicator | report | target ...
	resource_id bigint,
	key         text NOT NULL,          -- natural key as text
	op          text NOT NULL CHECK (op IN ('create', 'update', 'delete')),
	scope       ltree,                  -- the unit path whose readers may see it
	before      jsonb,
	after       jsonb
);
CREATE INDEX audit_resource_idx ON bdg.audit (resource, resource_id, revision);

CREATE FUNCTION bdg.audit_write(resource text, resource_id bigint, key text,
	op text, scope ltree, before jsonb, after jsonb) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	rev bigint := bdg.next_revision();
BEGIN
	INSERT INTO bdg.audit (revision, actor_sub, actor_unit, actor_role, request_id,
		resource, resource_id, key, op, scope, before, after)
	VALUES (rev, nullif(current_setting('app.sub', true), ''),
		nullif(current_setting('app.unit', true), ''),
		nullif(current_setting('app.role', true), ''),
		nullif(current_setting('app.request_id', true), ''),
		resource, resource_id, key, op, scope, before, after);
	RETURN rev;
END $$;

-- BEFORE UPDATE on every resource table: an update that changes nothing is
-- skipped (no version, no revision); otherwise version + 1 and updated_at.
CREATE FUNCTION bdg.touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF (to_jsonb(NEW) - '{version,updated_at,created_at,search}'::text[]) =
	   (to_jsonb(OLD) - '{version,updated_at,created_at,search}'::text[]) THEN
		RETURN NULL;
	END IF;
	NEW.version := OLD.version + 1;
	NEW.updated_at := now();
	NEW.created_at := OLD.created_at;
	RETURN NEW;
END $$;

-- POST Idempotency-Key: stored in the transaction of the write it answers.
CREATE TABLE bdg.idempotency (
	actor        text NOT NULL,
	key          text NOT NULL,
	request_hash text NOT NULL,
	status       int,
	body         text,
	location     text,
	created_at   timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (actor, key)
);
