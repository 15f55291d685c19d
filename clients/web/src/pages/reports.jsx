// reports.jsx: the reports list, and the report form: activity results per
// activity of the plan, indicator values by sex with totals computed as you
// type, the narrative; the API's validation errors (errors[].field, JSON
// pointers into the body sent) beside the matching input; the workflow
// buttons the role allows (save, submit, accept, return with a reason).
import { useState, useMemo, useEffect } from 'preact/hooks';
import * as api from '../api.js';
import { label, date, dateTime, period, num, int, parseNumber, inputNumber, lateness, LABELS } from '../format.js';
import { buildBody, placeErrors, computed, rowsFor } from '../reportbody.js';
import {
	useMe, useAsync, can, href, Section, Loading, ErrorBox, Badge, UnitName, DateText, useFlash,
} from '../ui.jsx';

export function PlanRef({ id }) {
	const [p] = useAsync(() => api.plan(id), [id]);
	return <a href={href('/ke-hoach/' + id)} title={p ? p.title : ''}>{p ? (p.number || `Kế hoạch ${p.year || ''}`.trim()) : `#${id}`}</a>;
}

export function Reports({ query }) {
	const me = useMe();
	const [scope, setScope] = useState(query.pv || 'mine');
	const [status, setStatus] = useState(query.tt || '');
	const [per, setPer] = useState(query.ky || '');
	const [list, err, loading] = useAsync(
		() => api.all('/reports', { ...(scope === 'mine' ? { unit: me.unit } : { under: me.unit }), status, period: per }, 500),
		[scope, status, per],
	);
	return (
		<div>
			<h1>Báo cáo</h1>
			<div class="filters">
				<label>
					Phạm vi
					<select value={scope} onChange={(e) => setScope(e.currentTarget.value)}>
						<option value="mine">Báo cáo của đơn vị mình</option>
						<option value="under">Của đơn vị mình và các đơn vị trực thuộc</option>
					</select>
				</label>
				<label>
					Trạng thái
					<select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
						<option value="">Tất cả</option>
						{Object.entries(LABELS.reportStatus).map(([k, t]) => <option key={k} value={k}>{t}</option>)}
					</select>
				</label>
				<label>
					Kỳ (ví dụ 2024, 2024-H1)
					<input value={per} onChange={(e) => setPer(e.currentTarget.value.trim())} size={8} />
				</label>
			</div>
			<p class="hint">Để lập báo cáo mới, mở kế hoạch cần báo cáo và chọn “Lập báo cáo” ở kỳ tương ứng.</p>
			<div class="card">
				{err ? <ErrorBox error={err} /> : loading || !list ? <Loading /> : list.length === 0 ? (
					<p class="empty">Chưa có báo cáo nào.</p>
				) : <ReportTable list={list} />}
			</div>
		</div>
	);
}

export function ReportTable({ list, actions }) {
	return (
		<table class="list" data-testid="reports">
			<thead>
				<tr>
					<th>Kế hoạch</th>
					<th>Đơn vị báo cáo</th>
					<th>Kỳ</th>
					<th>Hạn nộp</th>
					<th>Trạng thái</th>
					<th>Nộp lúc</th>
					<th>Thời hạn</th>
					<th></th>
				</tr>
			</thead>
			<tbody>
				{list.map((r) => (
					<tr key={r.id} data-report={r.id}>
						<td class="nowrap"><PlanRef id={r.plan} /></td>
						<td><UnitName code={r.unit} /></td>
						<td>{period(r.period)}</td>
						<td><DateText value={r.due_on} /></td>
						<td><Badge kind="reportStatus" value={r.status} /></td>
						<td>{r.submitted_at ? dateTime(r.submitted_at) : '—'}</td>
						<td>{lateness(r.on_time, r.days_late)}</td>
						<td class="nowrap">
							<a href={href('/bao-cao/' + r.id)}>Mở</a>
							{actions && actions(r)}
						</td>
					</tr>
				))}
			</tbody>
		</table>
	);
}

// --- the form --------------------------------------------------------------------

const RESULT_STATUSES = ['done', 'partly', 'not_done'];

function emptyActivity() {
	return { status: '', sessions: '', participants_female: '', participants_male: '', notes: '' };
}

/** Form state from a report document. */
function stateOf(r) {
	const ar = {};
	for (const x of r.activity_results || []) {
		ar[x.activity] = {
			status: x.status || '',
			sessions: inputNumber(x.sessions),
			participants_female: inputNumber(x.participants_female),
			participants_male: inputNumber(x.participants_male),
			notes: x.notes || '',
		};
	}
	const vals = {};
	for (const v of r.values || []) {
		vals[v.indicator] = vals[v.indicator] || { female: '', male: '', total: '' };
		vals[v.indicator][v.sex] = inputNumber(v.value);
	}
	return {
		results: r.results || '', difficulties: r.difficulties || '', recommendations: r.recommendations || '',
		ar, vals, codes: Object.keys(vals),
	};
}

function Err({ errs, id }) {
	if (!errs[id]) return null;
	return <span class="field-error" role="alert" id={id + '-err'} data-for={id}>{errs[id]}</span>;
}

function sumText(a, b) {
	const x = parseNumber(a, true);
	const y = parseNumber(b, true);
	if (x.error || y.error || (x.value === null && y.value === null)) return '';
	return int((x.value || 0) + (y.value || 0));
}

export function ReportForm({ params }) {
	const id = params[0];
	const me = useMe();
	const [flash, say] = useFlash();
	const [doc, setDoc] = useState(null);
	const [loadErr, setLoadErr] = useState(null);
	const [st, setSt] = useState(null);
	const [ctx, setCtx] = useState(null); // {plan, acts, cat, targets}
	const [errs, setErrs] = useState({});
	const [topErr, setTopErr] = useState(null);
	const [rest, setRest] = useState({});
	const [busy, setBusy] = useState(false);
	const [dirty, setDirty] = useState(false);
	const [addCode, setAddCode] = useState('');
	const [reason, setReason] = useState('');
	const [returning, setReturning] = useState(false);

	async function load() {
		try {
			const d = await api.request('/reports/' + id);
			setDoc(d);
			setSt(stateOf(d.data));
			setDirty(false);
			return d;
		} catch (e) {
			setLoadErr(e);
			return null;
		}
	}
	useEffect(() => {
		(async () => {
			const d = await load();
			if (!d) return;
			const r = d.data;
			try {
				const [plan, acts, cat, targets] = await Promise.all([
					api.get('/plans/' + r.plan),
					api.all('/plans/' + r.plan + '/activities'),
					api.indicators(),
					api.get('/plans/' + r.plan + '/targets').then((t) => t.targets || []).catch(() => []),
					api.get('/plans/' + r.plan + '/tree').then(api.namesFromTree).catch(() => null),
				]);
				setCtx({ plan, acts, cat, targets });
				// Indicator rows: those with values, then the plan's targets for this unit (or any).
				setSt((s) => {
					const codes = [...s.codes];
					const forUnit = targets.filter((t) => t.unit === r.unit);
					for (const t of forUnit.length ? forUnit : targets)
						for (const c of rowsFor(t.indicator, cat)) if (!codes.includes(c)) codes.push(c);
					for (const x of r.ratios || []) if (!codes.includes(x.indicator)) codes.push(x.indicator);
					return { ...s, codes: codes.sort() };
				});
			} catch (e) {
				setLoadErr(e);
			}
		})();
	}, [id]);

	if (loadErr) return <ErrorBox error={loadErr} />;
	if (!doc || !st || !ctx) return <Loading text="Đang tải báo cáo…" />;
	const r = doc.data;
	const { plan, acts, cat, targets } = ctx;
	const ownUnit = r.unit === me.unit;
	const editable = (r.status === 'draft' || r.status === 'returned') && ownUnit && can(me, 'editor');
	const maySubmit = editable && can(me, 'approver');
	const mayReview = r.status === 'submitted' && (r.to_unit || plan.unit) === me.unit && can(me, 'approver');
	const ro = !editable;

	const change = (fn) => {
		setSt((s) => fn(structuredClone(s)));
		setDirty(true);
	};
	const setAr = (aid, k) => (e) => {
		const val = e.currentTarget.value;
		change((s) => {
			s.ar[aid] = s.ar[aid] || emptyActivity();
			s.ar[aid][k] = val;
			return s;
		});
	};
	const setVal = (code, sex) => (e) => {
		const val = e.currentTarget.value;
		change((s) => {
			s.vals[code] = s.vals[code] || { female: '', male: '', total: '' };
			s.vals[code][sex] = val;
			return s;
		});
	};
	const setText = (k) => (e) => {
		const val = e.currentTarget.value;
		change((s) => {
			s[k] = val;
			return s;
		});
	};

	/** Saves the form; true when saved (or nothing to save). */
	async function save(quiet) {
		const { body, where, bad } = buildBody(st, acts, cat);
		setTopErr(null);
		setRest({});
		if (Object.keys(bad).length) {
			setErrs(bad);
			setTopErr({ title: 'Có ô nhập chưa đúng định dạng số. Xem các ô được đánh dấu.' });
			return false;
		}
		try {
			const res = await api.patch('/reports/' + id, body, doc.etag);
			setDoc(res);
			setErrs({});
			setDirty(false);
			if (!quiet) say('Đã lưu báo cáo.');
			return res;
		} catch (e) {
			const { placed, rest: unplaced } = placeErrors(e.fields, where);
			setErrs(placed);
			setRest(unplaced);
			setTopErr(e);
			return false;
		}
	}

	async function act(fn) {
		setBusy(true);
		try {
			await fn();
		} finally {
			setBusy(false);
		}
	}

	const onSave = () => act(() => save(false));
	const onSubmit = () =>
		act(async () => {
			const saved = await save(true);
			if (!saved) return;
			try {
				await api.post(`/reports/${id}/submit`, undefined, { etag: saved.etag });
				await load();
				say('Đã nộp báo cáo. Đơn vị cấp trên sẽ xem xét.');
			} catch (e) {
				setTopErr(e);
			}
		});
	const onConsolidate = () =>
		act(async () => {
			if (dirty && !(await save(true))) return;
			try {
				const cur = await api.request('/reports/' + id);
				await api.post(`/reports/${id}/consolidate`, undefined, { etag: cur.etag });
				await load();
				say('Đã tổng hợp số liệu từ báo cáo đã được chấp nhận của các đơn vị. Hãy rà soát rồi lưu.');
			} catch (e) {
				setTopErr(e);
			}
		});
	const onAccept = () =>
		act(async () => {
			try {
				await api.post(`/reports/${id}/accept`, undefined, { etag: doc.etag });
				await load();
				say('Đã chấp nhận báo cáo.');
			} catch (e) {
				setTopErr(e);
			}
		});
	const onReturn = () =>
		act(async () => {
			if (!reason.trim()) {
				setErrs({ 'f-reason': 'Cần ghi rõ lý do trả lại.' });
				return;
			}
			try {
				await api.post(`/reports/${id}/return`, { reason: reason.trim() }, { etag: doc.etag });
				setReturning(false);
				setReason('');
				await load();
				say('Đã trả lại báo cáo cho đơn vị.');
			} catch (e) {
				setErrs(e.fields && e.fields['/reason'] ? { 'f-reason': e.fields['/reason'] } : {});
				setTopErr(e);
			}
		});

	const period_ = (plan.reporting || []).find((x) => x.period === r.period);
	const addable = [...cat.values()].filter((i) => i.active !== false && !st.codes.includes(i.code));
	const targetOf = (code) => {
		const t = targets.filter((x) => x.indicator === code && (x.unit === r.unit || true));
		const mine = t.filter((x) => x.unit === r.unit);
		return (mine.length ? mine : t);
	};

	return (
		<div class="report-form">
			{flash}
			<p class="crumbs"><a href={href('/bao-cao')}>Báo cáo</a> › {period(r.period)}</p>
			<h1>
				Báo cáo {period(r.period).toLowerCase()}
				<span class="sub">
					thực hiện {label('planType', plan.type).toLowerCase()} <a href={href('/ke-hoach/' + plan.id)}>{plan.number || ''}</a> — {plan.title}
				</span>
			</h1>
			<div class="toolbar">
				<Badge kind="reportStatus" value={r.status} />
				<span>Đơn vị báo cáo: <strong><UnitName code={r.unit} /></strong></span>
				<span>Gửi: <UnitName code={r.to_unit || plan.unit} /></span>
				<span>Hạn nộp: <strong><DateText value={r.due_on} /></strong></span>
				{period_ && period_.data_from && <span>Số liệu từ {date(period_.data_from)} đến {date(period_.data_to)}</span>}
				{r.submitted_at && <span>Nộp lúc {dateTime(r.submitted_at)} · {lateness(r.on_time, r.days_late)}</span>}
			</div>
			{r.status === 'returned' && r.return_reason && (
				<div class="flash flash-warn" data-testid="return-reason">
					<strong>Báo cáo bị trả lại.</strong> Lý do: {r.return_reason}
				</div>
			)}
			{!editable && r.status !== 'returned' && (
				<p class="hint">
					{r.status === 'draft' || r.status === 'returned'
						? 'Bạn chỉ được xem báo cáo này.'
						: 'Báo cáo đã nộp nên không sửa được nữa' + (r.status === 'submitted' ? ' (trừ khi cấp trên trả lại).' : '.')}
				</p>
			)}
			<ErrorBox error={topErr} fields={false} />
			{Object.keys(rest).length > 0 && (
				<ul class="error-box">
					{Object.entries(rest).map(([p, m]) => <li key={p}><code>{p}</code>: {m}</li>)}
				</ul>
			)}

			<Section title="I. Kết quả thực hiện các nội dung, nhiệm vụ">
				{acts.length === 0 ? <p class="empty">Kế hoạch không có nhiệm vụ nào.</p> : (
					<div class="scroll">
						<table class="list form-table" data-testid="activity-results">
							<thead>
								<tr>
									<th rowSpan={2}>Mục</th>
									<th rowSpan={2}>Nội dung, nhiệm vụ</th>
									<th rowSpan={2}>Kết quả</th>
									<th rowSpan={2} class="num">Số buổi, đợt</th>
									<th colSpan={3} class="center">Người tham gia</th>
									<th rowSpan={2}>Ghi chú</th>
								</tr>
								<tr><th class="num">Nữ</th><th class="num">Nam</th><th class="num">Tổng</th></tr>
							</thead>
							<tbody>
								{acts.map((a) => {
									const x = st.ar[a.id] || emptyActivity();
									const cell = (k, aria) => (
										<td class="num">
											<input id={`ar-${a.id}-${k}`} class="n" inputMode="numeric" aria-label={`${aria}, mục ${a.section}`}
												aria-invalid={!!errs[`ar-${a.id}-${k}`]} value={x[k]} onInput={setAr(a.id, k)} disabled={ro} />
											<Err errs={errs} id={`ar-${a.id}-${k}`} />
										</td>
									);
									return (
										<tr key={a.id} data-activity={a.id}>
											<td class="nowrap">{a.section}</td>
											<td>{a.title}<div class="muted">Chủ trì: <UnitName code={a.lead_unit} /></div></td>
											<td>
												<select id={`ar-${a.id}-status`} aria-label={`Kết quả mục ${a.section}`} value={x.status}
													aria-invalid={!!errs[`ar-${a.id}-status`]} onChange={setAr(a.id, 'status')} disabled={ro}>
													<option value="">— chọn —</option>
													{RESULT_STATUSES.map((k) => <option key={k} value={k}>{label('resultStatus', k)}</option>)}
												</select>
												<Err errs={errs} id={`ar-${a.id}-status`} />
											</td>
											{cell('sessions', 'Số buổi')}
											{cell('participants_female', 'Số người tham gia nữ')}
											{cell('participants_male', 'Số người tham gia nam')}
											<td class="num total" data-total={`ar-${a.id}`}>{sumText(x.participants_female, x.participants_male)}</td>
											<td>
												<input id={`ar-${a.id}-notes`} aria-label={`Ghi chú mục ${a.section}`} value={x.notes} onInput={setAr(a.id, 'notes')} disabled={ro} />
												<Err errs={errs} id={`ar-${a.id}-notes`} />
											</td>
										</tr>
									);
								})}
							</tbody>
						</table>
					</div>
				)}
			</Section>

			<Section title="II. Số liệu các chỉ tiêu">
				<div class="scroll">
					<table class="list form-table" data-testid="values">
						<thead>
							<tr>
								<th>Mã</th>
								<th>Chỉ tiêu</th>
								<th>Đơn vị tính</th>
								<th>Chỉ tiêu kế hoạch</th>
								<th class="num">Nữ</th>
								<th class="num">Nam</th>
								<th class="num">Tổng</th>
								{editable && <th></th>}
							</tr>
						</thead>
						<tbody>
							{st.codes.map((code) => {
								const ind = cat.get(code) || { code, name: code, measure: 'count' };
								const v = st.vals[code] || { female: '', male: '', total: '' };
								const whole = ind.measure === 'count';
								const input = (sex) => (
									<td class="num">
										<input id={`v-${code}-${sex}`} class="n" inputMode={whole ? 'numeric' : 'decimal'}
											aria-label={`${ind.name}: ${label('sex', sex)}`} aria-invalid={!!errs[`v-${code}-${sex}`]}
											value={v[sex]} onInput={setVal(code, sex)} disabled={ro} />
										<Err errs={errs} id={`v-${code}-${sex}`} />
									</td>
								);
								const tg = targetOf(code);
								if (computed(ind)) {
									const rv = (sex) => {
										const x = (r.ratios || []).find((q) => q.indicator === code && q.sex === sex);
										return x ? num(x.value) : '—';
									};
									return (
										<tr key={code} data-indicator={code} class="computed">
											<td class="nowrap code">{code}</td>
											<td>{ind.name}<div class="muted">Tự tính từ {[ind.numerator, ind.denominator].filter((c, i, a) => c && a.indexOf(c) === i).join(' và ')} khi lưu</div></td>
											<td>{ind.unit_of_measure || label('measure', ind.measure)}</td>
											<td class="muted">{tg.length ? tg.map((t) => `${t.sex !== 'total' ? label('sex', t.sex) + ': ' : ''}${num(t.target)}`).join('; ') : '—'}</td>
											<td class="num">{ind.sex_disaggregated ? rv('female') : '—'}</td>
											<td class="num">{ind.sex_disaggregated ? rv('male') : '—'}</td>
											<td class="num total">{rv('total')}</td>
											{editable && <td></td>}
										</tr>
									);
								}
								return (
									<tr key={code} data-indicator={code}>
										<td class="nowrap code">{code}</td>
										<td>{ind.name}</td>
										<td>{ind.unit_of_measure || label('measure', ind.measure)}</td>
										<td class="muted">{tg.length ? tg.map((t) => `${t.sex !== 'total' ? label('sex', t.sex) + ': ' : ''}${num(t.target)}`).join('; ') : '—'}</td>
										{ind.sex_disaggregated ? (
											<>
												{input('female')}
												{input('male')}
												{whole ? (
													<td class="num total" data-total={`v-${code}`}>
														<output for={`v-${code}-female v-${code}-male`} id={`v-${code}-total`}>{sumText(v.female, v.male)}</output>
														<Err errs={errs} id={`v-${code}-total`} />
													</td>
												) : input('total')}
											</>
										) : (
											<>
												<td class="num muted">—</td>
												<td class="num muted">—</td>
												{input('total')}
											</>
										)}
										{editable && (
											<td>
												<button class="link" aria-label={`Bỏ chỉ tiêu ${code}`}
													onClick={() => change((s) => { s.codes = s.codes.filter((c) => c !== code); delete s.vals[code]; return s; })}>
													Bỏ
												</button>
											</td>
										)}
									</tr>
								);
							})}
							{st.codes.length === 0 && <tr><td colSpan={8} class="empty">Chưa có chỉ tiêu nào. {editable && 'Thêm chỉ tiêu ở dưới.'}</td></tr>}
						</tbody>
					</table>
				</div>
				{editable && (
					<div class="filters">
						<label>
							Thêm chỉ tiêu
							<select value={addCode} onChange={(e) => setAddCode(e.currentTarget.value)} aria-label="Chọn chỉ tiêu để thêm">
								<option value="">— chọn chỉ tiêu —</option>
								{addable.map((i) => <option key={i.code} value={i.code}>{i.code} · {i.name}</option>)}
							</select>
						</label>
						<button type="button" disabled={!addCode} onClick={() => { change((s) => { for (const c of rowsFor(addCode, cat)) if (!s.codes.includes(c)) s.codes.push(c); return s; }); setAddCode(''); }}>Thêm</button>
					</div>
				)}
			</Section>

			<Section title="III. Đánh giá chung">
				{[
					['results', 'Kết quả đạt được'],
					['difficulties', 'Khó khăn, vướng mắc'],
					['recommendations', 'Kiến nghị, đề xuất'],
				].map(([k, text]) => (
					<div class="field" key={k}>
						<label for={'f-' + k}>{text}</label>
						<textarea id={'f-' + k} rows={4} value={st[k]} onInput={setText(k)} disabled={ro} aria-invalid={!!errs['f-' + k]} />
						<Err errs={errs} id={'f-' + k} />
					</div>
				))}
			</Section>

			<div class="toolbar bottom">
				{editable && <button onClick={onSave} disabled={busy}>Lưu nháp</button>}
				{editable && r.own && <button onClick={onConsolidate} disabled={busy}>Tổng hợp từ báo cáo các đơn vị</button>}
				{editable && dirty && <span class="hint">Có thay đổi chưa lưu.</span>}
				{maySubmit && <button class="primary" onClick={onSubmit} disabled={busy}>{r.status === 'returned' ? 'Nộp lại báo cáo' : 'Nộp báo cáo'}</button>}
				{editable && !maySubmit && <span class="hint">Báo cáo do người phê duyệt của đơn vị nộp.</span>}
				{mayReview && (
					<>
						<button class="primary" onClick={onAccept} disabled={busy}>Chấp nhận</button>
						<button class="danger" onClick={() => setReturning(!returning)} disabled={busy}>Trả lại…</button>
					</>
				)}
				<a class="button" href={href('/bao-cao/' + id + '/van-ban')}>Xem bản in</a>
				<a class="button" href={href('/tien-do', { kh: plan.id, ky: r.period })}>Tình hình nộp báo cáo</a>
			</div>
			{mayReview && returning && (
				<div class="card">
					<label for="f-reason">Lý do trả lại (đơn vị sẽ thấy lý do này)</label>
					<textarea id="f-reason" rows={3} value={reason} onInput={(e) => setReason(e.currentTarget.value)} aria-invalid={!!errs['f-reason']} />
					<Err errs={errs} id="f-reason" />
					<div class="actions">
						<button class="danger" onClick={onReturn} disabled={busy}>Trả lại báo cáo</button>
						<button onClick={() => setReturning(false)}>Thôi</button>
					</div>
				</div>
			)}
		</div>
	);
}
