// chart.jsx: Chart.js, with only the pieces the UI draws (bars, doughnut,
// lines), in Vietnamese number format. Each chart's canvas carries a text
// summary (aria-label) and its numbers (data-values) for screen readers
// and the browser test; a table beside it shows the same numbers.
import { useEffect, useRef } from 'preact/hooks';
import { num } from './format.js';

// Chart.js is loaded the first time a chart is drawn (its own file under
// assets/), so the screens without charts start faster.
let loading = null;
function loadChart() {
	if (!loading) {
		loading = import('chart.js').then(({
			Chart, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip,
			DoughnutController, ArcElement, LineController, LineElement, PointElement,
		}) => {
			Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip,
				DoughnutController, ArcElement, LineController, LineElement, PointElement);
			Chart.defaults.locale = 'vi-VN';
			Chart.defaults.font.family = 'system-ui, "Noto Sans", "DejaVu Sans", Arial, sans-serif';
			Chart.defaults.font.size = 13;
			Chart.defaults.color = '#243040';
			Chart.defaults.animation = false;
			return Chart;
		});
	}
	return loading;
}

export const COLORS = {
	female: '#c2185b', male: '#1565c0', total: '#546e7a',
	onTime: '#2e7d32', late: '#ef6c00', missing: '#c62828', pending: '#9e9e9e',
};

/**
 * <ChartBox type="bar" labels={[...]} datasets={[{label, data, color}]} />
 * Re-drawn when its data change; `summary` is read aloud.
 */
export function ChartBox({ type = 'bar', labels, datasets, summary, stacked, horizontal, height = 280, testid }) {
	const canvas = useRef(null);
	const chart = useRef(null);
	const key = JSON.stringify([type, labels, datasets, stacked, horizontal]);
	useEffect(() => {
		const ds = datasets.map((d) => ({
			label: d.label,
			data: d.data,
			backgroundColor: d.colors || d.color,
			borderColor: type === 'line' ? d.color : d.colors ? '#fff' : d.color,
			borderWidth: type === 'line' ? 2 : 1,
			tension: 0.2,
		}));
		const options = {
			responsive: true,
			maintainAspectRatio: false,
			indexAxis: horizontal ? 'y' : 'x',
			plugins: {
				legend: { position: 'bottom' },
				tooltip: { callbacks: { label: (c) => `${c.dataset.label || c.label}: ${num(c.raw)}` } },
			},
		};
		if (type !== 'doughnut') {
			options.scales = {
				x: { stacked: !!stacked, ticks: horizontal ? { callback: (v) => num(v) } : {} },
				y: { stacked: !!stacked, beginAtZero: true, ticks: horizontal ? {} : { callback: (v) => num(v) } },
			};
			if (horizontal) options.scales.x.beginAtZero = true;
		}
		let live = true;
		loadChart().then((Chart) => {
			if (!live || !canvas.current) return;
			if (chart.current) chart.current.destroy();
			chart.current = new Chart(canvas.current, { type, data: { labels, datasets: ds }, options });
			canvas.current.dataset.drawn = 'true';
		});
		return () => {
			live = false;
		};
	}, [key]); // eslint-disable-line
	useEffect(() => () => chart.current && chart.current.destroy(), []);
	const values = {};
	datasets.forEach((d) => {
		values[d.label] = d.data;
	});
	return (
		<div class="chart" style={{ height: height + 'px' }}>
			<canvas ref={canvas} role="img" aria-label={summary} data-testid={testid}
				data-labels={JSON.stringify(labels)} data-values={JSON.stringify(values)} />
		</div>
	);
}
