-- plpgsql.sql: prints, for every LANGUAGE sql function of schema bdg that
-- PostgreSQL cannot inline (its body reads a table: FROM, or a sub-SELECT),
-- the same function as LANGUAGE plpgsql. Why: PostgreSQL 15 plans the body
-- of a non-inlined SQL function again in every execution of the statement
-- that calls it (the plan lives only as long as that execution), while
-- PL/pgSQL keeps its plans for the session, so a pooled connection plans
-- each body once. Bodies are kept word for word (RETURN (body)), and
-- "#variable_conflict use_column" keeps SQL's rule that a column name wins
-- over a parameter of the same name. Functions that return sets, have OUT
-- parameters or more than one statement are left alone, and so are the
-- inlinable ones (one expression, no table), which must stay SQL.
--
--   psql -X -q -A -t -h … -U bdg bdg -f tests/bench/plpgsql.sql > new.sql
--
-- tests/bench/run --apply new.sql measures the result (see README.md).
SET search_path = pg_catalog;
SELECT string_agg(format(
	E'CREATE OR REPLACE FUNCTION %s(%s) RETURNS %s\nLANGUAGE plpgsql %s%s AS $plpgsql$\n#variable_conflict use_column\nBEGIN\n\tRETURN (%s);\nEND $plpgsql$;\n',
	format('%I.%I', n.nspname, p.proname), pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
	CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END,
	CASE p.proparallel WHEN 's' THEN ' PARALLEL SAFE' WHEN 'r' THEN ' PARALLEL RESTRICTED' ELSE '' END,
	regexp_replace(btrim(p.prosrc, E' \t\r\n'), ';\s*$', '')), E'\n' ORDER BY p.proname, p.oid)
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'bdg'
JOIN pg_language l ON l.oid = p.prolang AND l.lanname = 'sql'
WHERE p.prokind = 'f' AND NOT p.proretset
  AND (p.proargmodes IS NULL OR NOT p.proargmodes && '{o,b,t}'::"char"[])
  AND p.prosrc ~* '\m(from)\M|\(\s*select\M'
  AND regexp_replace(btrim(p.prosrc, E' \t\r\n'), ';\s*$', '') !~ ';';
