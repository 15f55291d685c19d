// completeness.jsx: who has reported on a plan for a period: on time, late,
// missing, as a chart and as a table naming the units still missing.
import { useState, useEffect } from 'preact/hooks';
import * as api from '../api.js';
import { period, dateTime, int, lateness } from '../format.js';
import { useMe, useAsync, href, go, Section, Loading, ErrorBox, Badge, UnitName, DateText } from '../ui.jsx';
import { ChartBox, COLORS } from '../chart.jsx';

/**
 * GET /plans/{id}/completeness → {rows, totals, waiting}. The API counts a
 * unit "missing" only when it has no report at all; a draft or a returned
 * report is not sent either. The chart shows on time / late / not sent
 * (expected − submitted), and `waiting` names every unit not sent, with
 * why.
 */
export function normalize(c) {
	const rows = (c.units || []).map((u) => ({
		unit: u.unit,
		name: u.name || null,
		status: u.status && u.status !== 'missing' ? u.status : null,
		report: u.report ?? null,
		submitted_at: u.submitted_at || null,
		on_time: u.on_time ?? null,
		days_late: u.days_late ?? null,
	}));
	const sent = (r) => r.status === 'submitted' || r.status === 'accepted';
	const t = c.totals || {};
	const totals = {
		expected: t.expected ?? rows.length,
		submitted: t.submitted ?? rows.filter(sent).length,
		accepted: t.accepted ?? rows.filter((r) => r.status === 'accepted').length,
		on_time: t.on_time ?? rows.filter((r) => sent(r) && r.on_time === true).length,
		late: t.late ?? rows.filter((r) => sent(r) && r.on_time === false).length,
		missing: t.missing ?? rows.filter((r) => !r.status).length,
	};
	totals.not_sent = Math.max(0, totals.expected - totals.submitted);
	const waiting = rows.filter((r) => !sent(r));
	return { rows, totals, waiting };
}

const WHY = { null: 'chưa lập báo cáo', draft: 'đang soạn, chưa nộp', returned: 'bị trả lại, chưa nộp lại' };

export function Completeness({ query }) {
	const me = useMe();
	const [plans, plansErr] = useAsync(async () => {
		const own = await api.all('/plans', { unit: me.unit }, 500);
		const other = await api.all('/plans', {}, 500);
		const seen = new Set(own.map((p) => p.id));
		return [...own, ...other.filter((p) => !seen.has(p.id))].filter((p) => (p.reporting || []).length > 0);
	}, []);
	const planId = query.kh ? Number(query.kh) : null;
	const plan = plans && (plans.find((p) => p.id === planId) || (!planId && plans[0]));
	const per = query.ky || (plan && plan.reporting && plan.reporting.length ? plan.reporting[plan.reporting.length - 1].period : '');
	useEffect(() => {
		if (plan && (!planId || !query.ky) && per) go('/tien-do', { kh: plan.id, ky: per });
	}, [plan && plan.id, per]); // eslint-disable-line

	return (
		<div>
			<h1>Tình hình nộp báo cáo</h1>
			{plansErr ? <ErrorBox error={plansErr} /> : !plans ? <Loading /> : plans.length === 0 ? (
				<p class="card empty">Không có kế hoạch nào đặt chế độ báo cáo.</p>
			) : (
				<>
					<div class="filters">
						<label>
							Kế hoạch
							<select value={plan ? plan.id : ''} onChange={(e) => go('/tien-do', { kh: e.currentTarget.value })} data-testid="plan-select">
								{plans.map((p) => (
									<option key={p.id} value={p.id}>
										{(p.number || 'Chưa có số')} ({p.year}) — {p.title.length > 70 ? p.title.slice(0, 70) + '…' : p.title}
									</option>
								))}
							</select>
						</label>
						{plan && (
							<label>
								Kỳ báo cáo
								<select value={per} onChange={(e) => go('/tien-do', { kh: plan.id, ky: e.currentTarget.value })} data-testid="period-select">
									{(plan.reporting || []).map((r) => <option key={r.period} value={r.period}>{period(r.period)}</option>)}
								</select>
							</label>
						)}
					</div>
					{plan && per && <Board plan={plan} per={per} />}
				</>
			)}
		</div>
	);
}

function Board({ plan, per }) {
	const [c, err, loading] = useAsync(async () => {
		const d = await api.get(`/plans/${plan.id}/completeness`, { period: per });
		api.rememberUnits((d.units || []).filter((u) => u.name).map((u) => ({ code: u.unit, name: u.name })), true);
		return normalize(d);
	}, [plan.id, per]);
	if (err) return <ErrorBox error={err} />;
	if (!c || loading) return <Loading />;
	const { rows, totals, waiting } = c;
	const due = (plan.reporting || []).find((r) => r.period === per);
	const summary = `Đúng hạn: ${totals.on_time}, trễ hạn: ${totals.late}, chưa nộp: ${totals.not_sent}, trên tổng số ${totals.expected} đơn vị`;
	return (
		<div data-testid="completeness">
			<p>
				Kế hoạch <a href={href('/ke-hoach/' + plan.id)}>{plan.number || plan.title}</a> · {period(per)}
				{due && <> · hạn nộp <DateText value={due.due_on} /></>}
			</p>
			<div class="stats" data-testid="completeness-totals">
				<Stat n={totals.expected} text="Đơn vị phải báo cáo" />
				<Stat n={totals.submitted} text="Đã nộp" id="submitted" />
				<Stat n={totals.accepted} text="Đã được chấp nhận" id="accepted" />
				<Stat n={totals.on_time} text="Nộp đúng hạn" cls="ok" id="on_time" />
				<Stat n={totals.late} text="Nộp trễ hạn" cls="warn" id="late" />
				<Stat n={totals.not_sent} text="Chưa nộp" cls="bad" id="not_sent" />
			</div>
			<div class="grid2">
				<Section title="Biểu đồ tình hình nộp báo cáo">
					<ChartBox
						type="doughnut"
						testid="completeness-chart"
						height={260}
						labels={['Nộp đúng hạn', 'Nộp trễ hạn', 'Chưa nộp']}
						datasets={[{ label: 'Số đơn vị', data: [totals.on_time, totals.late, totals.not_sent], colors: [COLORS.onTime, COLORS.late, COLORS.missing] }]}
						summary={summary}
					/>
					<p class="chart-caption">{summary}.</p>
				</Section>
				<Section title={`Đơn vị chưa nộp báo cáo (${waiting.length})`}>
					{waiting.length === 0 ? <p class="empty">Tất cả các đơn vị đã nộp báo cáo.</p> : (
						<ul class="missing" data-testid="missing">
							{waiting.map((m) => (
								<li key={m.unit} data-unit={m.unit}>
									<strong>{m.name || <UnitName code={m.unit} />}</strong> <span class="code">{m.unit}</span>
									<span class="why"> — {WHY[m.status] || m.status}</span>
								</li>
							))}
						</ul>
					)}
				</Section>
			</div>
			<Section title="Chi tiết theo đơn vị">
				<table class="list" data-testid="completeness-table">
					<thead>
						<tr><th>Đơn vị</th><th>Trạng thái</th><th>Nộp lúc</th><th>Thời hạn</th><th></th></tr>
					</thead>
					<tbody>
						{rows.map((r) => (
							<tr key={r.unit} data-unit={r.unit}>
								<td>{r.name || <UnitName code={r.unit} />}</td>
								<td>{r.status ? <Badge kind="reportStatus" value={r.status} /> : <span class="badge badge-missing">Chưa lập báo cáo</span>}</td>
								<td>{r.submitted_at ? dateTime(r.submitted_at) : '—'}</td>
								<td>{r.submitted_at ? lateness(r.on_time, r.days_late) : '—'}</td>
								<td>{r.report ? <a href={href('/bao-cao/' + r.report)}>Xem báo cáo</a> : ''}</td>
							</tr>
						))}
					</tbody>
				</table>
			</Section>
		</div>
	);
}

function Stat({ n, text, cls, id }) {
	return (
		<div class={`stat ${cls || ''}`} data-stat={id}>
			<span class="n">{int(n)}</span>
			<span class="t">{text}</span>
		</div>
	);
}
