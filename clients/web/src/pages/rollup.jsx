// rollup.jsx: an indicator summed (by its aggregation rule) over a unit's
// subtree from the accepted reports, by sex: one bar per directly
// subordinate unit, and the same unit over the last five years.
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { label, period, num, int } from '../format.js';
import { useMe, useAsync, href, go, Section, Loading, ErrorBox, UnitName } from '../ui.jsx';
import { ChartBox, COLORS } from '../chart.jsx';

const SEXES = ['female', 'male', 'total'];

/** One indicator's roll-up in one shape: {female, male, total, contributing, missing[]}. */
export function normalizeRollup(data, code) {
	let x = data;
	const list = data && (data.items || data.indicators || data.results || data.rollup);
	if (Array.isArray(list)) x = list.find((i) => i.indicator === code || i.code === code) || list[0] || {};
	const out = { female: null, male: null, total: null, contributing: null, expected: null, missing: [] };
	const vals = x.values || x.by_sex || x.value || x;
	if (Array.isArray(vals)) {
		for (const v of vals) if (SEXES.includes(v.sex)) out[v.sex] = v.value ?? null;
	} else if (vals && typeof vals === 'object') {
		for (const s of SEXES) if (vals[s] !== undefined) out[s] = typeof vals[s] === 'object' && vals[s] !== null ? vals[s].value ?? null : vals[s];
	}
	const c = x.contributing ?? x.contributing_units ?? x.units_contributing ?? x.units ?? data.contributing;
	out.contributing = Array.isArray(c) ? c.length : c ?? null;
	const e = x.expected ?? x.units_expected ?? data.expected;
	out.expected = Array.isArray(e) ? e.length : e ?? null;
	const m = x.missing ?? x.missing_units ?? data.missing ?? [];
	const named = Array.isArray(m) ? m.map((u) => (typeof u === 'string' ? { code: u } : { code: u.unit || u.code, name: u.name })) : [];
	api.rememberUnits(named.filter((u) => u.name), true);
	out.missing = [...new Set(named.map((u) => u.code))];
	if (out.total === null && out.female !== null && out.male !== null) out.total = Number(out.female) + Number(out.male);
	return out;
}

function rollup(unit, code, per, includeSubmitted) {
	return api.get(`/units/${encodeURIComponent(unit)}/rollup`, { indicator: code, period: per, include: includeSubmitted ? 'submitted' : undefined })
		.then((d) => normalizeRollup(d, code));
}

export function Rollup({ query }) {
	const me = useMe();
	const [cat, catErr] = useAsync(() => api.indicators(), []);
	const year = Number(query.nam) || new Date().getFullYear();
	const half = query.ky || '';          // '' (year) | 'H1' | 'H2'
	const unit = query.dv || me.unit;
	const code = query.ct || '';
	const inc = query.gom === 'nop';
	const set = (k, v) => go('/tong-hop', { ...query, [k]: v });
	const indicators = cat ? [...cat.values()].filter((i) => i.active !== false) : [];
	const ind = cat && (cat.get(code) || indicators[0]);
	const per = half ? `${year}-${half}` : String(year);
	const [kids] = useAsync(() => api.all(`/units/${encodeURIComponent(unit)}/children`).catch(() => []), [unit]);
	return (
		<div>
			<h1>Tổng hợp chỉ tiêu</h1>
			<p class="lead">Số liệu cộng từ các báo cáo đã được chấp nhận của đơn vị và các đơn vị trực thuộc, chia theo giới tính.</p>
			{catErr ? <ErrorBox error={catErr} /> : !cat ? <Loading /> : (
				<div class="filters">
					<label>
						Chỉ tiêu
						<select value={ind ? ind.code : ''} onChange={(e) => set('ct', e.currentTarget.value)} data-testid="indicator-select">
							{indicators.map((i) => <option key={i.code} value={i.code}>{i.code} · {i.name}</option>)}
						</select>
					</label>
					<label>
						Đơn vị
						<select value={unit} onChange={(e) => set('dv', e.currentTarget.value)}>
							<option value={me.unit}>{me.unit_detail ? me.unit_detail.name : me.unit}</option>
							{unit !== me.unit && <option value={unit}>{unit}</option>}
							{(kids || []).filter((k) => k.code !== unit).map((k) => <option key={k.code} value={k.code}>— {k.name}</option>)}
						</select>
					</label>
					<label>
						Năm
						<input type="number" min="2000" max="2100" value={year} onChange={(e) => set('nam', e.currentTarget.value)} style={{ width: '6em' }} />
					</label>
					<label>
						Kỳ
						<select value={half} onChange={(e) => set('ky', e.currentTarget.value)}>
							<option value="">Cả năm</option>
							<option value="H1">6 tháng đầu năm</option>
							<option value="H2">6 tháng cuối năm</option>
						</select>
					</label>
					<label class="check">
						<input type="checkbox" checked={inc} onChange={(e) => set('gom', e.currentTarget.checked ? 'nop' : '')} />
						Tính cả báo cáo đã nộp chưa duyệt
					</label>
				</div>
			)}
			{ind && <Charts ind={ind} unit={unit} per={per} year={year} half={half} inc={inc} kids={kids} />}
		</div>
	);
}

function seriesOf(ind) {
	return ind.sex_disaggregated ? ['female', 'male'] : ['total'];
}

function Charts({ ind, unit, per, year, half, inc, kids }) {
	const [here, hereErr] = useAsync(() => rollup(unit, ind.code, per, inc), [unit, ind.code, per, inc]);
	const [sub, subErr] = useAsync(
		() => (kids ? Promise.all(kids.map((k) => rollup(k.code, ind.code, per, inc).then((r) => ({ unit: k, r })).catch(() => ({ unit: k, r: null })))) : null),
		[kids, ind.code, per, inc],
	);
	const years = [year - 4, year - 3, year - 2, year - 1, year];
	const [hist, histErr] = useAsync(
		() => Promise.all(years.map((y) => rollup(unit, ind.code, half ? `${y}-${half}` : String(y), inc).catch(() => null))),
		[unit, ind.code, year, half, inc],
	);
	const sexes = seriesOf(ind);
	const unitOf = ind.unit_of_measure || label('measure', ind.measure);
	return (
		<div data-testid="rollup">
			<Section title={`${ind.name} — ${period(per)}`}>
				{hereErr ? <ErrorBox error={hereErr} /> : !here ? <Loading /> : (
					<>
						<div class="stats">
							{ind.sex_disaggregated && <div class="stat female"><span class="n">{num(here.female)}</span><span class="t">Nữ</span></div>}
							{ind.sex_disaggregated && <div class="stat male"><span class="n">{num(here.male)}</span><span class="t">Nam</span></div>}
							<div class="stat"><span class="n">{num(here.total)}</span><span class="t">Tổng ({unitOf})</span></div>
							{here.contributing !== null && (
								<div class="stat"><span class="n">{int(here.contributing)}{here.expected ? `/${int(here.expected)}` : ''}</span><span class="t">Đơn vị có số liệu</span></div>
							)}
						</div>
						{here.missing.length > 0 && (
							<p class="hint">Chưa có số liệu: {here.missing.map((c, i) => <span key={c}>{i ? ', ' : ''}<UnitName code={c} /></span>)}</p>
						)}
						<p class="muted">Cách tổng hợp: {label('aggregation', ind.aggregation)}{ind.source ? ` · Nguồn: ${ind.source}` : ''}</p>
					</>
				)}
			</Section>
			<div class="grid2">
				<Section title="Theo đơn vị trực thuộc">
					{subErr ? <ErrorBox error={subErr} /> : !sub ? <Loading /> : sub.length === 0 ? <p class="empty">Đơn vị không có đơn vị trực thuộc.</p> : (
						<>
							<ChartBox
								type="bar"
								testid="rollup-units-chart"
								horizontal
								height={Math.max(220, sub.length * (sexes.length * 14 + 14) + 80)}
								labels={sub.map((s) => shortName(s.unit.name))}
								datasets={sexes.map((sx) => ({ label: label('sex', sx), color: COLORS[sx], data: sub.map((s) => (s.r ? Number(s.r[sx] || 0) : 0)) }))}
								summary={`${ind.name} theo đơn vị trực thuộc, ${period(per)}`}
							/>
							<table class="list compact">
								<thead><tr><th>Đơn vị</th>{sexes.map((s) => <th key={s} class="num">{label('sex', s)}</th>)}{ind.sex_disaggregated && <th class="num">Tổng</th>}</tr></thead>
								<tbody>
									{sub.map((s) => (
										<tr key={s.unit.code}>
											<td><a href={href('/tong-hop', { ct: ind.code, dv: s.unit.code, nam: year, ky: half })}>{s.unit.name}</a></td>
											{sexes.map((sx) => <td key={sx} class="num">{s.r ? num(s.r[sx]) : '—'}</td>)}
											{ind.sex_disaggregated && <td class="num">{s.r ? num(s.r.total) : '—'}</td>}
										</tr>
									))}
								</tbody>
							</table>
						</>
					)}
				</Section>
				<Section title="Qua các năm">
					{histErr ? <ErrorBox error={histErr} /> : !hist ? <Loading /> : (
						<>
							<ChartBox
								type="line"
								testid="rollup-years-chart"
								labels={years.map((y) => (half ? `${half === 'H1' ? '6T đầu' : '6T cuối'} ${y}` : String(y)))}
								datasets={[...sexes, ...(ind.sex_disaggregated ? ['total'] : [])].map((sx) => ({
									label: label('sex', sx), color: COLORS[sx], data: hist.map((h) => (h && h[sx] !== null ? Number(h[sx]) : null)),
								}))}
								summary={`${ind.name} qua các năm ${years[0]}–${year}`}
							/>
							<table class="list compact">
								<thead><tr><th>Kỳ</th>{sexes.map((s) => <th key={s} class="num">{label('sex', s)}</th>)}{ind.sex_disaggregated && <th class="num">Tổng</th>}</tr></thead>
								<tbody>
									{years.map((y, i) => (
										<tr key={y}>
											<td>{period(half ? `${y}-${half}` : String(y))}</td>
											{sexes.map((sx) => <td key={sx} class="num">{hist[i] ? num(hist[i][sx]) : '—'}</td>)}
											{ind.sex_disaggregated && <td class="num">{hist[i] ? num(hist[i].total) : '—'}</td>}
										</tr>
									))}
								</tbody>
							</table>
						</>
					)}
				</Section>
			</div>
		</div>
	);
}

/** "Trung tâm Y tế thị xã Hương Trà" stays; very long names are cut for chart labels. */
function shortName(n) {
	return n.length > 38 ? n.slice(0, 36) + '…' : n;
}
