// plans.jsx: the plans list (filters, diacritic-free search), one plan with
// its activities, cascade and reports, and the plan's printable document.
import { useState, useEffect, useRef } from 'preact/hooks';
import * as api from '../api.js';
import { label, date, period, vnd, LABELS } from '../format.js';
import {
	useMe, useAsync, can, href, go, Section, Loading, ErrorBox, FieldError, Badge, UnitName, DateText, useFlash, DateInput,
} from '../ui.jsx';

const THIS_YEAR = new Date().getFullYear();

export function Plans({ query }) {
	const me = useMe();
	const [f, setF] = useState({ year: query.nam || '', status: query.tt || '', type: query.loai || '', q: query.q || '', under: query.duoi || '' });
	const [applied, setApplied] = useState(f);
	const [pages, setPages] = useState([]);
	const [next, setNext] = useState(null);
	const [, err, loading] = useAsync(async () => {
		const p = await api.get('/plans', { year: applied.year, status: applied.status, type: applied.type, q: applied.q, under: applied.under, limit: 50 });
		setPages(p.items || []);
		setNext(p.next);
		return true;
	}, [applied]);
	const [moreErr, setMoreErr] = useState(null);
	async function more() {
		try {
			const p = await api.get('/plans', { ...applied, limit: 50, after: next });
			setPages([...pages, ...(p.items || [])]);
			setNext(p.next);
		} catch (e) {
			setMoreErr(e);
		}
	}
	const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
	return (
		<div>
			<h1>Kế hoạch</h1>
			<form class="filters" role="search" onSubmit={(e) => { e.preventDefault(); setApplied(f); }}>
				<label>
					Tìm kiếm (số hiệu, trích yếu; gõ không dấu cũng được)
					<input type="search" value={f.q} onInput={set('q')} placeholder="ví dụ: binh dang gioi so y te" size={32} />
				</label>
				<label>
					Năm
					<input type="number" min="2000" max="2100" value={f.year} onInput={set('year')} placeholder={String(THIS_YEAR)} style={{ width: '6em' }} />
				</label>
				<label>
					Trạng thái
					<select value={f.status} onChange={set('status')}>
						<option value="">Tất cả</option>
						{Object.entries(LABELS.planStatus).map(([k, t]) => <option key={k} value={k}>{t}</option>)}
					</select>
				</label>
				<label>
					Loại văn bản
					<select value={f.type} onChange={set('type')}>
						<option value="">Tất cả</option>
						{Object.entries(LABELS.planType).map(([k, t]) => <option key={k} value={k}>{t}</option>)}
					</select>
				</label>
				<label>
					Phạm vi
					<select value={f.under} onChange={set('under')}>
						<option value="">Mọi kế hoạch được xem</option>
						<option value={me.unit}>Do đơn vị mình và cấp dưới ban hành</option>
					</select>
				</label>
				<button type="submit" class="primary">Lọc</button>
			</form>
			{can(me, 'editor') && <NewPlan />}
			<div class="card">
				{err ? <ErrorBox error={err} /> : loading ? <Loading /> : pages.length === 0 ? (
					<p class="empty">Không có kế hoạch nào phù hợp.</p>
				) : (
					<table class="list" data-testid="plans">
						<thead>
							<tr>
								<th>Số hiệu</th>
								<th>Năm</th>
								<th>Trích yếu</th>
								<th>Đơn vị ban hành</th>
								<th>Ngày ban hành</th>
								<th>Trạng thái</th>
							</tr>
						</thead>
						<tbody>
							{pages.map((p) => (
								<tr key={p.id}>
									<td class="nowrap"><a href={href('/ke-hoach/' + p.id)}>{p.number || '(chưa có số)'}</a></td>
									<td>{p.year}</td>
									<td>
										<a href={href('/ke-hoach/' + p.id)}>{p.title}</a>
										{p.type === 'guidance' && <span class="muted"> · Công văn hướng dẫn</span>}
									</td>
									<td><UnitName code={p.unit} /></td>
									<td><DateText value={p.issued_on} /></td>
									<td><Badge kind="planStatus" value={p.status} /></td>
								</tr>
							))}
						</tbody>
					</table>
				)}
				<ErrorBox error={moreErr} />
				{next && <button onClick={more}>Xem thêm</button>}
			</div>
		</div>
	);
}

/** A new draft plan of the signed-in unit, optionally implementing another. */
function NewPlan({ parent }) {
	const me = useMe();
	const [open, setOpen] = useState(false);
	const [v, setV] = useState({ number: '', year: parent ? parent.year : THIS_YEAR, title: parent ? parent.title : '' });
	const [err, setErr] = useState(null);
	const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
	if (!open)
		return (
			<p>
				<button onClick={() => setOpen(true)}>{parent ? 'Xây dựng kế hoạch thực hiện của đơn vị' : 'Tạo kế hoạch mới (dự thảo)'}</button>
			</p>
		);
	async function save(e) {
		e.preventDefault();
		setErr(null);
		try {
			const body = { unit: me.unit, year: Number(v.year), title: v.title.trim() };
			if (v.number.trim()) body.number = v.number.trim();
			if (parent) body.parent_plan = parent.id;
			const res = await api.post('/plans', body);
			go('/ke-hoach/' + res.data.id);
		} catch (e2) {
			setErr(e2);
		}
	}
	const fe = err && err.fields;
	return (
		<form class="card inline-form" onSubmit={save}>
			<h2>{parent ? `Kế hoạch thực hiện ${parent.number || ''}` : 'Kế hoạch mới'}</h2>
			<label>
				Số hiệu (có thể bổ sung sau)
				<input value={v.number} onInput={set('number')} placeholder="ví dụ: 12/KH-TTYT" />
				<FieldError errors={fe} at="/number" />
			</label>
			<label>
				Năm
				<input type="number" value={v.year} onInput={set('year')} required style={{ width: '6em' }} />
				<FieldError errors={fe} at="/year" />
			</label>
			<label class="wide">
				Trích yếu
				<textarea rows={2} value={v.title} onInput={set('title')} required />
				<FieldError errors={fe} at="/title" />
			</label>
			<ErrorBox error={err} fields={false} />
			<div class="actions">
				<button type="submit" class="primary">Tạo dự thảo</button>
				<button type="button" onClick={() => setOpen(false)}>Hủy</button>
			</div>
		</form>
	);
}

export function PlanDetail({ params }) {
	const id = params[0];
	const me = useMe();
	const [flash, say] = useFlash();
	const [plan, err, loading, reload] = useAsync(async () => {
		const [p, tree] = await Promise.all([api.request('/plans/' + id), api.get(`/plans/${id}/tree`).catch(() => null)]);
		if (tree) api.namesFromTree(tree);
		return p;
	}, [id]);
	const [acts, actsErr, , reloadActs] = useAsync(() => api.all('/plans/' + id + '/activities'), [id]);
	const [editing, setEditing] = useState(false);
	const [actErr, setActErr] = useState(null);
	if (err) return <ErrorBox error={err} />;
	if (loading && !plan) return <Loading />;
	const p = plan.data;
	const own = p.unit === me.unit;
	async function action(what) {
		setActErr(null);
		try {
			await api.post(`/plans/${id}/${what}`, undefined, { etag: plan.etag });
			say(what === 'issue' ? 'Đã ban hành kế hoạch.' : 'Đã cập nhật.');
			reload();
		} catch (e) {
			setActErr(e);
		}
	}
	return (
		<div>
			{flash}
			<p class="crumbs"><a href={href('/ke-hoach')}>Kế hoạch</a> › {p.number || 'Chưa có số'}</p>
			<h1 class="plan-title">
				<span class="doc-kind">{label('planType', p.type)} {p.number ? `số ${p.number}` : '(chưa có số)'}</span>
				{p.title}
			</h1>
			<div class="toolbar">
				<Badge kind="planStatus" value={p.status} />
				<a class="button" href={href('/ke-hoach/' + id + '/van-ban')}>Xem văn bản để in</a>
				<a class="button" href={href('/tien-do', { kh: id })}>Tình hình nộp báo cáo</a>
				{p.status === 'draft' && can(me, 'editor') && <button onClick={() => setEditing(!editing)}>Sửa dự thảo</button>}
				{p.status === 'draft' && own && can(me, 'approver') && <button class="primary" onClick={() => action('issue')}>Ban hành</button>}
			</div>
			<ErrorBox error={actErr} />
			{editing && <PlanEdit plan={plan} onDone={(ok) => { setEditing(false); if (ok) { say('Đã lưu dự thảo.'); reload(); } }} />}
			<div class="grid2">
				<Section title="Thông tin văn bản">
					<dl class="facts">
						<dt>Đơn vị ban hành</dt><dd><UnitName code={p.unit} withCode /></dd>
						<dt>Năm</dt><dd>{p.year}</dd>
						<dt>Ngày ban hành</dt><dd>{p.place ? `${p.place}, ` : ''}<DateText value={p.issued_on} /></dd>
						{p.parent_plan && <><dt>Thực hiện kế hoạch</dt><dd><ParentPlan id={p.parent_plan} /></dd></>}
						<dt>Người ký</dt><dd>{p.signer ? `${p.signer_title ? p.signer_title + ' ' : ''}${p.signer}` : '—'}</dd>
						{p.plans_due_on && <><dt>Hạn gửi kế hoạch của đơn vị</dt><dd><DateText value={p.plans_due_on} /></dd></>}
						{p.funding && <><dt>Kinh phí</dt><dd>{p.funding}</dd></>}
					</dl>
					{p.legal_bases && p.legal_bases.length > 0 && (
						<>
							<h3>Căn cứ</h3>
							<ul>{p.legal_bases.map((b, i) => <li key={i}>{b}</li>)}</ul>
						</>
					)}
					{p.objectives && p.objectives.length > 0 && (
						<>
							<h3>Mục đích, yêu cầu</h3>
							<ol>{p.objectives.map((b, i) => <li key={i}>{b}</li>)}</ol>
						</>
					)}
				</Section>
				<Section title="Nơi nhận và kỳ báo cáo">
					<h3>Nơi nhận ({(p.recipients || []).length})</h3>
					<ul class="plain">{(p.recipients || []).map((c) => <li key={c}><UnitName code={c} withCode /></li>)}</ul>
					<h3>Chế độ báo cáo</h3>
					{(p.reporting || []).length === 0 ? <p class="empty">Kế hoạch không đặt kỳ báo cáo.</p> : (
						<table class="list compact">
							<thead><tr><th>Kỳ</th><th>Hạn nộp</th><th>Số liệu từ</th><th>đến</th></tr></thead>
							<tbody>
								{p.reporting.map((r) => (
									<tr key={r.period}>
										<td>{period(r.period)}</td>
										<td><DateText value={r.due_on} /></td>
										<td><DateText value={r.data_from} /></td>
										<td><DateText value={r.data_to} /></td>
									</tr>
								))}
							</tbody>
						</table>
					)}
				</Section>
			</div>
			<PlanReports plan={p} />
			<Section title={`Nội dung, nhiệm vụ (${acts ? acts.length : '…'})`}>
				{actsErr ? <ErrorBox error={actsErr} /> : !acts ? <Loading /> : (
					<Activities acts={acts} plan={p} onChange={reloadActs} />
				)}
			</Section>
			<Section title="Triển khai ở các đơn vị (phân cấp kế hoạch)">
				<Cascade id={id} />
				{(p.recipients || []).includes(me.unit) && p.status === 'issued' && can(me, 'editor') && <NewPlan parent={p} />}
			</Section>
		</div>
	);
}

function ParentPlan({ id }) {
	const [p] = useAsync(() => api.get('/plans/' + id).catch(() => null), [id]);
	return <a href={href('/ke-hoach/' + id)}>{p ? `${p.number || 'Kế hoạch'} (${p.year}) — ${p.title}` : `Kế hoạch #${id}`}</a>;
}

/** Edit a draft's main fields (PATCH with If-Match); errors beside fields. */
function PlanEdit({ plan, onDone }) {
	const p = plan.data;
	const [v, setV] = useState({
		number: p.number || '', title: p.title || '', issued_on: p.issued_on || '', place: p.place || '',
		signer: p.signer || '', signer_title: p.signer_title || '', funding: p.funding || '',
	});
	const [err, setErr] = useState(null);
	const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
	async function save(e) {
		e.preventDefault();
		setErr(null);
		if (v.issued_on === null) {
			setErr({ title: 'Ngày ban hành chưa đúng. Nhập theo dạng ngày/tháng/năm.', fields: {} });
			return;
		}
		const body = {};
		for (const [k, x] of Object.entries(v)) {
			const t = typeof x === 'string' ? x.trim() : x;
			if ((t || null) !== (p[k] || null)) body[k] = t || null;
		}
		if (Object.keys(body).length === 0) return onDone(false);
		try {
			await api.patch('/plans/' + p.id, body, plan.etag);
			onDone(true);
		} catch (e2) {
			setErr(e2);
		}
	}
	const fe = err && err.fields;
	const field = (k, text, props = {}) => (
		<label class={props.wide ? 'wide' : ''}>
			{text}
			{props.area ? <textarea rows={2} value={v[k]} onInput={set(k)} /> : <input value={v[k]} onInput={set(k)} />}
			<FieldError errors={fe} at={'/' + k} />
		</label>
	);
	return (
		<form class="card inline-form" onSubmit={save}>
			<h2>Sửa dự thảo</h2>
			{field('number', 'Số hiệu')}
			<label>
				Ngày ban hành
				<DateInput value={v.issued_on} onChange={(d) => setV({ ...v, issued_on: d })} label="Ngày ban hành" />
				<FieldError errors={fe} at="/issued_on" />
			</label>
			{field('place', 'Nơi ban hành')}
			{field('title', 'Trích yếu', { wide: true, area: true })}
			{field('signer_title', 'Chức vụ người ký')}
			{field('signer', 'Người ký')}
			{field('funding', 'Kinh phí', { wide: true, area: true })}
			<ErrorBox error={err} fields={false} />
			<div class="actions">
				<button type="submit" class="primary">Lưu</button>
				<button type="button" onClick={() => onDone(false)}>Hủy</button>
			</div>
		</form>
	);
}

function Activities({ acts, plan, onChange }) {
	const me = useMe();
	const [err, setErr] = useState(null);
	if (acts.length === 0) return <p class="empty">Kế hoạch chưa có nội dung, nhiệm vụ nào.</p>;
	async function setStatus(a, status) {
		setErr(null);
		try {
			const cur = await api.request('/activities/' + a.id);
			await api.patch('/activities/' + a.id, { status }, cur.etag);
			onChange();
		} catch (e) {
			setErr(e);
		}
	}
	return (
		<>
			<ErrorBox error={err} />
			<table class="list" data-testid="activities">
				<thead>
					<tr>
						<th>Mục</th>
						<th>Nội dung</th>
						<th>Lĩnh vực</th>
						<th>Chủ trì / phối hợp</th>
						<th>Thời gian</th>
						<th class="num">Kinh phí</th>
						<th>Tình trạng</th>
					</tr>
				</thead>
				<tbody>
					{acts.map((a) => {
						const mine = a.lead_unit === me.unit && can(me, 'editor');
						return (
							<tr key={a.id}>
								<td class="nowrap">{a.section}</td>
								<td>
									<strong>{a.title}</strong>
									{a.description && <details><summary>Chi tiết</summary><p>{a.description}</p></details>}
								</td>
								<td>{label('category', a.category)}</td>
								<td>
									<UnitName code={a.lead_unit} />
									{(a.coordinating_units || []).length > 0 && (
										<div class="muted">Phối hợp: {a.coordinating_units.map((c, i) => <span key={c}>{i ? ', ' : ''}<UnitName code={c} /></span>)}</div>
									)}
								</td>
								<td class="nowrap">{a.starts_on || a.ends_on ? <>{date(a.starts_on)} – {date(a.ends_on)}</> : 'Cả năm'}</td>
								<td class="num">{a.budget_vnd !== null && a.budget_vnd !== undefined ? vnd(a.budget_vnd) : '—'}</td>
								<td>
									{mine ? (
										<select aria-label={`Tình trạng của mục ${a.section}`} value={a.status} onChange={(e) => setStatus(a, e.currentTarget.value)}>
											{Object.entries(LABELS.activityStatus).map(([k, t]) => <option key={k} value={k}>{t}</option>)}
										</select>
									) : <Badge kind="activityStatus" value={a.status} />}
									{a.progress !== null && a.progress !== undefined && <div class="muted">{a.progress}%</div>}
								</td>
							</tr>
						);
					})}
				</tbody>
			</table>
		</>
	);
}

/** The cascade below a plan: for each recipient, whether it has issued its own plan. */
function Cascade({ id }) {
	const [tree, err] = useAsync(() => api.get(`/plans/${id}/tree`), [id]);
	if (err) return <ErrorBox error={err} />;
	if (!tree) return <Loading />;
	return <ul class="cascade" data-testid="cascade"><CascadeNode node={tree} root /></ul>;
}

const CASCADE_STATUS = { none: 'Chưa xây dựng kế hoạch', draft: 'Đang dự thảo', issued: 'Đã ban hành kế hoạch' };

function CascadeNode({ node, root }) {
	const p = node.plan || {};
	const byUnit = new Map((node.children || []).map((c) => [c.plan && c.plan.unit, c]));
	const recips = node.recipients || [];
	const issued = recips.filter((r) => r.status === 'issued').length;
	return (
		<li>
			<div class="cascade-plan">
				<a href={href('/ke-hoach/' + p.id)}>{p.number || 'Kế hoạch chưa có số'}</a> · {p.unit_name || p.unit}
				{!root && <> · <Badge kind="planStatus" value={p.status} /></>}
				{recips.length > 0 && <span class="muted"> — {issued}/{recips.length} đơn vị đã ban hành kế hoạch{p.plans_due_on ? `, hạn ${date(p.plans_due_on)}` : ''}</span>}
			</div>
			{recips.length > 0 && (
				<ul>
					{recips.map((r) => {
						const child = byUnit.get(r.unit);
						return child ? <CascadeNode key={r.unit} node={child} /> : (
							<li key={r.unit} class={`cascade-unit st-${r.status}${r.late ? ' late' : ''}`}>
								{r.name || r.unit}: <span class="st">{CASCADE_STATUS[r.status] || r.status}</span>
								{r.issued_on && <> ngày {date(r.issued_on)}</>}
								{r.late && <span class="late-tag"> (trễ hạn)</span>}
								{r.plan && <> · <a href={href('/ke-hoach/' + r.plan)}>xem</a></>}
							</li>
						);
					})}
				</ul>
			)}
			{(node.children || []).filter((c) => !recips.some((r) => c.plan && r.unit === c.plan.unit)).length > 0 && (
				<ul>
					{node.children.filter((c) => !recips.some((r) => c.plan && r.unit === c.plan.unit)).map((c) => <CascadeNode key={c.plan.id} node={c} />)}
				</ul>
			)}
		</li>
	);
}

/** The plan's reports per period, and "make my report" for my unit. */
function PlanReports({ plan }) {
	const me = useMe();
	const [reports, err, , reload] = useAsync(() => api.all('/reports', { plan: plan.id }), [plan.id]);
	const [createErr, setCreateErr] = useState(null);
	const reporting = plan.reporting || [];
	if (reporting.length === 0) return null;
	const mayReport = (plan.recipients || []).includes(me.unit) || plan.unit === me.unit;
	async function create(per) {
		setCreateErr(null);
		try {
			const res = await api.post('/reports', { plan: plan.id, unit: me.unit, period: per });
			go('/bao-cao/' + res.data.id);
		} catch (e) {
			if (e.status === 409) reload();
			setCreateErr(e);
		}
	}
	return (
		<Section title="Báo cáo theo kế hoạch">
			{err ? <ErrorBox error={err} /> : !reports ? <Loading /> : (
				<table class="list compact" data-testid="plan-reports">
					<thead><tr><th>Kỳ báo cáo</th><th>Hạn nộp</th><th>Báo cáo của đơn vị bạn</th>{plan.unit === me.unit && <th>Đã nhận</th>}<th></th></tr></thead>
					<tbody>
						{reporting.map((r) => {
							const mine = reports.find((x) => x.period === r.period && x.unit === me.unit);
							const got = reports.filter((x) => x.period === r.period && x.unit !== me.unit);
							return (
								<tr key={r.period}>
									<td>{period(r.period)}</td>
									<td><DateText value={r.due_on} /></td>
									<td>
										{mine ? <><a href={href('/bao-cao/' + mine.id)}>Mở báo cáo</a> <Badge kind="reportStatus" value={mine.status} /></> :
											mayReport && can(me, 'editor') && plan.status === 'issued' ? (
												<button onClick={() => create(r.period)}>Lập báo cáo {period(r.period).toLowerCase()}</button>
											) : <span class="muted">—</span>}
									</td>
									{plan.unit === me.unit && <td>{got.length} báo cáo</td>}
									<td><a href={href('/tien-do', { kh: plan.id, ky: r.period })}>Tình hình nộp</a></td>
								</tr>
							);
						})}
					</tbody>
				</table>
			)}
			<ErrorBox error={createErr} />
		</Section>
	);
}

/**
 * A plan's or a report's printable document. It needs the token, so it is
 * fetched with the Authorization header and shown in a sandboxed frame
 * (srcdoc: no script runs in it, it loads nothing; the page's CSP would
 * refuse a blob: frame); "In văn bản" prints that frame.
 */
function DocView({ path, back, backText, title, file }) {
	const frame = useRef(null);
	const [doc, err] = useAsync(() => api.request(path, { raw: true }), [path]);
	const [blobUrl, setBlobUrl] = useState(null);
	useEffect(() => {
		if (!doc) return undefined;
		const u = URL.createObjectURL(new Blob([doc.data], { type: 'text/html;charset=utf-8' }));
		setBlobUrl(u);
		return () => URL.revokeObjectURL(u);
	}, [doc]);
	return (
		<div>
			<div class="toolbar no-print">
				<button class="primary" disabled={!doc} onClick={() => frame.current && frame.current.contentWindow.print()}>In văn bản</button>
				{blobUrl && <a class="button" href={blobUrl} download={file}>Tải về (HTML)</a>}
				<a class="button" href={back}>{backText}</a>
			</div>
			{err ? <ErrorBox error={err} /> : !doc ? <Loading text="Đang tải văn bản…" /> : (
				<iframe ref={frame} class="document" title={title} sandbox="allow-same-origin allow-modals" srcdoc={doc.data} />
			)}
		</div>
	);
}

export function PlanDocument({ params }) {
	const id = params[0];
	return (
		<>
			<p class="crumbs no-print"><a href={href('/ke-hoach')}>Kế hoạch</a> › <a href={href('/ke-hoach/' + id)}>Kế hoạch #{id}</a> › Văn bản</p>
			<DocView path={`/plans/${id}/document`} back={href('/ke-hoach/' + id)} backText="Quay lại kế hoạch" title="Văn bản kế hoạch" file={`ke-hoach-${id}.html`} />
		</>
	);
}

export function ReportDocument({ params }) {
	const id = params[0];
	return (
		<>
			<p class="crumbs no-print"><a href={href('/bao-cao')}>Báo cáo</a> › <a href={href('/bao-cao/' + id)}>Báo cáo #{id}</a> › Văn bản</p>
			<DocView path={`/reports/${id}/document`} back={href('/bao-cao/' + id)} backText="Quay lại báo cáo" title="Văn bản báo cáo" file={`bao-cao-${id}.html`} />
		</>
	);
}
