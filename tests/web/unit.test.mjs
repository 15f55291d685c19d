// unit.test.mjs: the web UI's pure modules under node (no browser, no
// server): Vietnamese formats, reading typed numbers, the API's errors in
// Vietnamese, and the report form's body ↔ error pointers.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as f from '../../clients/web/src/format.js';
import { describe, fieldMessage } from '../../clients/web/src/problem.js';
import { buildBody, placeErrors, rowsFor } from '../../clients/web/src/reportbody.js';

test('dates are dd/mm/yyyy, times in Vietnam', () => {
	assert.equal(f.date('2019-03-28'), '28/03/2019');
	assert.equal(f.date(null), '—');
	// 17:30 UTC on 25/5 is 00:30 on 26/5 in Hà Nội.
	assert.equal(f.dateTime('2019-05-25T17:30:00Z'), '26/05/2019 00:30');
	assert.equal(f.parseDate('5/4/2019'), '2019-04-05');
	assert.equal(f.parseDate('31/02/2019'), null);
	assert.equal(f.parseDate('2019-04-05'), '2019-04-05');
});

test('numbers use Vietnamese separators', () => {
	assert.equal(f.num(1234567.5), '1.234.567,5');
	assert.equal(f.int(1500), '1.500');
	assert.equal(f.vnd(15000000), '15.000.000 đồng');
	assert.equal(f.inputNumber(12.5), '12,5');
	assert.equal(f.inputNumber(1040), '1.040');
	assert.deepEqual(f.parseNumber(f.inputNumber(1040)), { value: 1040 });
});

test('typed numbers are read the Vietnamese way', () => {
	assert.deepEqual(f.parseNumber('1.250'), { value: 1250 });
	assert.deepEqual(f.parseNumber(' 40 '), { value: 40 });
	assert.deepEqual(f.parseNumber(''), { value: null });
	assert.deepEqual(f.parseNumber('-3'), { value: -3 });
	assert.ok(f.parseNumber('12,5').error);
	assert.ok(f.parseNumber('abc').error);
	assert.deepEqual(f.parseNumber('12,5', false), { value: 12.5 });
	assert.deepEqual(f.parseNumber('1.234,5', false), { value: 1234.5 });
	assert.deepEqual(f.parseNumber('12.5', false), { value: 12.5 });
});

test('periods and enums in Vietnamese', () => {
	assert.equal(f.period('2024-H1'), '6 tháng đầu năm 2024');
	assert.equal(f.period('2019'), 'Năm 2019');
	assert.equal(f.period('2024-Q3'), 'Quý III/2024');
	assert.equal(f.label('reportStatus', 'returned'), 'Bị trả lại');
	assert.equal(f.lateness(false, 3), 'Trễ 3 ngày');
});

test('problem+json becomes Vietnamese, keyed by pointer', () => {
	const d = describe(422, {
		status: 422, detail: 'The request body has invalid fields.',
		errors: [{ field: '/values/2/value', message: 'must not be negative' }, { field: '/valid_from', message: 'must be a real date as YYYY-MM-DD' }],
	});
	assert.equal(d.title, 'Dữ liệu chưa hợp lệ. Xem các ô được đánh dấu.');
	assert.equal(d.fields['/values/2/value'], 'không được là số âm');
	assert.equal(d.fields['/valid_from'], 'phải là ngày có thật (năm-tháng-ngày)');
	assert.equal(fieldMessage('something new'), 'something new');
	assert.equal(fieldMessage('must be from 0 to 1000000000000000'), 'không được là số âm');
	assert.equal(fieldMessage('must be from 0 to 1000000'), 'phải từ 0 đến 1.000.000');
	assert.match(describe(401, null).title, /đăng nhập/);
});

const cat = new Map([
	['GEN-0402', { code: 'GEN-0402', measure: 'count', aggregation: 'sum', sex_disaggregated: true }],
	['GEN-0401', { code: 'GEN-0401', measure: 'count', aggregation: 'sum', sex_disaggregated: false }],
	['GEN-0302', { code: 'GEN-0302', measure: 'count', aggregation: 'sum', sex_disaggregated: true }],
	['GEN-0301', { code: 'GEN-0301', measure: 'percent', aggregation: 'ratio', sex_disaggregated: false, numerator: 'GEN-0302', denominator: 'GEN-0302' }],
]);

test('the report body skips empty rows and computed ratios, and maps pointers back to inputs', () => {
	const st = {
		results: 'Tốt', difficulties: '', recommendations: '',
		ar: { 301: { status: 'done', sessions: '2', participants_female: '1.040', participants_male: '12', notes: '' }, 302: { status: '', sessions: '', participants_female: '', participants_male: '', notes: '' } },
		vals: { 'GEN-0401': { total: '3' }, 'GEN-0402': { female: '40', male: '', total: '' }, 'GEN-0301': { total: '50' } },
		codes: ['GEN-0401', 'GEN-0402', 'GEN-0301'],
	};
	const { body, where, bad } = buildBody(st, [{ id: 301 }, { id: 302 }], cat);
	assert.deepEqual(bad, {});
	assert.deepEqual(body.activity_results, [{ activity: 301, status: 'done', sessions: 2, participants_female: 1040, participants_male: 12 }]);
	assert.deepEqual(body.values, [
		{ indicator: 'GEN-0401', sex: 'total', value: 3 },
		{ indicator: 'GEN-0402', sex: 'female', value: 40 },
	]);
	const { placed, rest } = placeErrors({
		'/values/1/value': 'không được là số âm',
		'/activity_results/0/sessions': 'phải là số',
		'/activity_results/0': 'không có hoạt động này',
		'/results': 'quá dài',
		'/elsewhere': 'x',
	}, where);
	assert.equal(placed['v-GEN-0402-female'], 'không được là số âm');
	assert.equal(placed['ar-301-sessions'], 'phải là số');
	assert.equal(placed['ar-301-status'], 'không có hoạt động này');
	assert.equal(placed['f-results'], 'quá dài');
	assert.deepEqual(rest, { '/elsewhere': 'x' });
});

test('a typed value that is not a number is caught before sending', () => {
	const st = { results: '', difficulties: '', recommendations: '', ar: {}, vals: { 'GEN-0401': { total: 'mười' } }, codes: ['GEN-0401'] };
	const { body, bad } = buildBody(st, [], cat);
	assert.equal(body.values.length, 0);
	assert.ok(bad['v-GEN-0401-total']);
});

test('a computed indicator brings its numerator and denominator', () => {
	assert.deepEqual(rowsFor('GEN-0301', cat), ['GEN-0302', 'GEN-0301']);
	assert.deepEqual(rowsFor('GEN-0401', cat), ['GEN-0401']);
});
