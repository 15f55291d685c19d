-- 002_units.sql: the unit tree. A unit's path is the ltree of ids from the
-- root ("1.5.42"), kept by trigger; subtree tests are `path <@ other.path`.
-- Units are merged, split and renamed over time: valid_from/valid_to and a
-- successor keep history readable.
CREATE TABLE bdg.unit (
	id           bigserial PRIMARY KEY,
	code         text NOT NULL UNIQUE
	             CONSTRAINT unit_code_format CHECK (code ~ '^[A-Z0-9][A-Z0-9._-]{0,63}$'),
	name         text NOT NULL CONSTRAINT unit_name_length CHECK (length(name) BETWEEN 1 AND 300),
	kind         text NOT NULL CONSTRAINT unit_kind_enum CHECK (kind IN ('province', 'department',
	             'district', 'commune', 'division', 'public_service_unit', 'committee', 'other')),
	parent_id    bigint REFERENCES bdg.unit (id),
	path         ltree NOT NULL,
	valid_from   date,
	valid_to     date,
	successor_id bigint REFERENCES bdg.unit (id),
	version      int NOT NULL DEFAULT 1,
	created_at   timestamptz NOT NULL DEFAULT now(),
	updated_at   timestamptz NOT NULL DEFAULT now(),
	search       text NOT NULL DEFAULT '',
	CONSTRAINT unit_valid_order CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from),
	CONSTRAINT unit_successor_self CHECK (successor_id <> id)
);
CREATE INDEX unit_path_gist ON bdg.unit USING gist (path);
CREATE INDEX unit_parent_idx ON bdg.unit (parent_id);

-- The API form of a unit.
CREATE FUNCTION bdg.unit_doc(u bdg.unit) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'id', u.id, 'code', u.code, 'name', u.name, 'kind', u.kind,
		'parent', (SELECT p.code FROM bdg.unit p WHERE p.id = u.parent_id),
		'valid_from', u.valid_from, 'valid_to', u.valid_to,
		'successor', (SELECT s.code FROM bdg.unit s WHERE s.id = u.successor_id),
		'version', u.version, 'created_at', u.created_at, 'updated_at', u.updated_at)
$$;

-- The path of a unit code (NULL when unknown): the scope of a token.
CREATE FUNCTION bdg.unit_path(code text) RETURNS ltree
LANGUAGE sql STABLE AS $$
	SELECT path FROM bdg.unit WHERE unit.code = $1
$$;

-- Path and search text; a new parent must not lie inside the unit's subtree.
CREATE FUNCTION bdg.unit_before() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	ppath ltree;
BEGIN
	NEW.search := bdg.fold(NEW.code || ' ' || NEW.name);
	IF TG_OP = 'UPDATE' AND NEW.parent_id IS NOT DISTINCT FROM OLD.parent_id
	   AND NEW.path = OLD.path THEN
		RETURN NEW;
	END IF;
	IF NEW.parent_id IS NULL THEN
		NEW.path := text2ltree(NEW.id::text);
	ELSE
		SELECT path INTO ppath FROM bdg.unit WHERE id = NEW.parent_id;
		IF TG_OP = 'UPDATE' AND ppath <@ OLD.path THEN
			PERFORM bdg.fail('BD422', 'a unit cannot be moved under itself or its own subunit', '/parent');
		END IF;
		NEW.path := ppath || text2ltree(NEW.id::text);
	END IF;
	RETURN NEW;
END $$;

CREATE TRIGGER unit_before BEFORE INSERT OR UPDATE ON bdg.unit
	FOR EACH ROW EXECUTE FUNCTION bdg.unit_before();
CREATE TRIGGER unit_touch BEFORE UPDATE ON bdg.unit
	FOR EACH ROW EXECUTE FUNCTION bdg.touch();

-- After a move, carry the subtree along; then audit.
CREATE FUNCTION bdg.unit_after() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND NEW.path <> OLD.path THEN
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
	RETURN NEW;
END $$;

CREATE TRIGGER unit_after AFTER INSERT OR UPDATE OR DELETE ON bdg.unit
	FOR EACH ROW EXECUTE FUNCTION bdg.unit_after();
