-- units.sql: the benchmark's province with SQL, when POST /bulk cannot load
-- it: the root :'root' (a province), :districts districts under it and
-- :communes communes under each, coded as tests/bench/bench.py units codes
-- them, through the schema's triggers (paths, search text, audit). Units
-- that exist already (a bulk import cut short) are kept.
-- psql -v root=P10K -v districts=99 -v communes=100 -f units.sql (as bdg).
\set ON_ERROR_STOP 1
BEGIN;
SELECT set_config('app.sub', 'bench-generator', true), set_config('app.role', 'admin', true),
	set_config('app.unit', :'root', true) \g /dev/null
INSERT INTO bdg.unit (code, name, kind) VALUES (:'root', 'Tỉnh ' || :'root' || ' (benchmark)', 'province')
ON CONFLICT (code) DO NOTHING;
INSERT INTO bdg.unit (code, name, kind, parent_id)
SELECT format('%s-D%s', :'root', lpad(d::text, 3, '0')), format('Huyện số %s', d), 'district',
	(SELECT id FROM bdg.unit WHERE code = :'root')
FROM generate_series(1, :districts) AS d
ON CONFLICT (code) DO NOTHING;
INSERT INTO bdg.unit (code, name, kind, parent_id)
SELECT format('%s-D%s-C%s', :'root', lpad(d::text, 3, '0'), lpad(c::text, 4, '0')),
	format('Xã số %s huyện %s', c, d), 'commune', p.id
FROM generate_series(1, :districts) AS d
CROSS JOIN generate_series(1, :communes) AS c
JOIN bdg.unit p ON p.code = format('%s-D%s', :'root', lpad(d::text, 3, '0'))
ON CONFLICT (code) DO NOTHING;
SELECT count(*) FROM bdg.unit WHERE path <@ bdg.unit_path(:'root');
COMMIT;
