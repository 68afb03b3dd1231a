/* console.js: the thumbq console.  Plain JavaScript, no build step, no
 * library: the page talks to thumbq's own API on its own origin and to
 * nothing else.
 *
 * The key is entered once and kept in sessionStorage (this tab only), and
 * sent as "Authorization: Bearer KEY" by fetch: never a cookie, so no
 * other site can make this browser act with it.  The operator's views
 * (Now, Trends, Failed jobs, Recent) use /v1/admin/, which needs an admin
 * key; Try it uses the public API, with the key if there is one.
 *
 * Everything that comes from the API (URLs, error messages) is untrusted
 * and goes into the page as text (textContent), never as markup. */
'use strict';

const KEY_ITEM = 'thumbq-key';
const NOW_EVERY_MS = 3000;
const TRENDS_EVERY_MS = 15000;
const POLL_EVERY_MS = 500;
const POLL_GIVE_UP_MS = 120000;

const $ = (id) => document.getElementById(id);

let tab = 'now';
let timer = null;

/* el('td', {class: 'num'}, 'text', child...): a DOM element; strings
 * become text nodes. */
function el(tag, attrs, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v !== null && v !== undefined)
			e.setAttribute(k, v);
	}
	for (const c of children) {
		if (c !== null && c !== undefined)
			e.append(c instanceof Node ? c : String(c));
	}
	return e;
}

function svg(tag, attrs, text) {
	const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
	for (const [k, v] of Object.entries(attrs))
		e.setAttribute(k, v);
	if (text !== undefined)
		e.textContent = text;
	return e;
}

function key() {
	return sessionStorage.getItem(KEY_ITEM) || '';
}

/* One request to the API: {status, body} (body: the parsed JSON, or null),
 * or {status: 0} when thumbq cannot be reached at all. */
async function api(method, path, body) {
	const headers = {};
	if (key() !== '')
		headers.Authorization = 'Bearer ' + key();
	if (body !== undefined)
		headers['Content-Type'] = 'application/json';
	let r;
	try {
		r = await fetch(path, {
			method, headers, cache: 'no-store', credentials: 'omit',
			body: body === undefined ? undefined : JSON.stringify(body),
		});
	} catch (e) {
		return { status: 0, body: null };
	}
	let json = null;
	try {
		json = r.status === 204 ? null : await r.json();
	} catch (e) {
		json = null;
	}
	return { status: r.status, body: json };
}

/* What went wrong, in words, for an answer that is not a success. */
function explain(r) {
	const msg = r.body && typeof r.body.message === 'string' ? r.body.message : '';
	switch (r.status) {
	case 0:
		return 'thumbq cannot be reached: is its web server up?';
	case 401:
		return key() === '' ?
		    'This needs an admin API key: enter one above (thumbqctl key create --admin NAME).' :
		    'This key is unknown or revoked (401): ' + msg;
	case 403:
		return 'This key is not an admin key (403 forbidden): the operator\'s views need one ' +
		    'made with thumbqctl key create --admin NAME. Try it works with it.';
	case 429:
		return 'Too many requests (429): ' + msg;
	case 503:
		return 'Redis is unreachable (503): the job store does not answer. ' + msg;
	default:
		return 'HTTP ' + r.status + (msg ? ': ' + msg : '');
	}
}

/* The operator's views say why they show nothing (no key, 401, 403, 503)
 * in one notice above them. */
function gate(r) {
	const g = $('gate');
	if (r === null) {
		g.hidden = true;
		g.textContent = '';
		return;
	}
	g.textContent = explain(r);
	g.hidden = false;
}

function ago(ms) {
	if (ms < 1000)
		return ms + ' ms';
	if (ms < 120000)
		return (ms / 1000).toFixed(1) + ' s';
	return Math.round(ms / 60000) + ' min';
}

function clock(ms) {
	return new Date(ms).toLocaleTimeString();
}

/* ---------------------------------------------------------------- Now */

function figure(label, value, cls) {
	return el('div', { class: cls || null }, el('dt', {}, label), el('dd', {}, value));
}

function renderHosts(hosts) {
	const box = $('now-hosts');
	box.replaceChildren();
	if (hosts.length === 0) {
		box.append(el('p', { class: 'error' },
		    'No thumbqd host has reported in the last 15 s: nothing is being processed.'));
		return;
	}
	for (const h of hosts) {
		const rows = [];
		for (const c of h.children) {
			if (c.jobs.length === 0)
				rows.push(el('tr', {}, el('td', {}, c.id), el('td', {}, '—'),
				    el('td', {}, 'idle'), el('td', {}, '')));
			for (const j of c.jobs)
				rows.push(el('tr', {}, el('td', {}, c.id), el('td', {}, el('code', {}, j.id)),
				    el('td', { class: 'phase-' + j.phase }, j.phase),
				    el('td', { class: 'num' }, j.for_ms === undefined ? '' : ago(j.for_ms))));
		}
		box.append(el('h4', {}, h.id + ' ', el('span', { class: 'hint' },
		    '(' + h.children.length + ' children, seen ' + ago(h.seen_ms_ago) + ' ago)')),
		    el('div', { class: 'scroll' }, el('table', {},
		    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Child'),
		    el('th', { scope: 'col' }, 'Job'), el('th', { scope: 'col' }, 'Phase'),
		    el('th', { scope: 'col' }, 'For'))), el('tbody', {}, ...rows))));
	}
}

async function loadNow() {
	const r = await api('GET', '/v1/admin/now');
	if (r.status !== 200) {
		gate(r);
		$('now-state').textContent = r.status === 503 ? 'Redis: unreachable' : '';
		$('now-figures').replaceChildren();
		$('now-hosts').replaceChildren();
		return;
	}
	gate(null);
	const n = r.body, q = n.queue;
	$('now-state').textContent = 'Redis: reachable · updated ' + clock(Date.now()) +
	    ' · refreshes every ' + NOW_EVERY_MS / 1000 + ' s while this tab is visible';
	$('now-figures').replaceChildren(
	    figure('Pending, high', q.pending_by_priority.high),
	    figure('Pending, normal', q.pending_by_priority.normal),
	    figure('Pending, low', q.pending_by_priority.low),
	    figure('Processing', q.processing),
	    figure('Retrying', q.retrying),
	    figure('Failed, last hour', n.last_hour.failed, n.last_hour.failed > 0 ? 'bad' : null),
	    figure('Completed, last hour', n.last_hour.completed));
	renderHosts(n.hosts);
}

/* ---------------------------------------------------------------- Trends */

/* Charts are drawn in the pixels they have (the viewBox is their size),
 * so that their text stays readable at phone width. */
const CH = 200, PAD_L = 44, PAD_B = 22, PAD_T = 10, PAD_R = 8;
let CW = 640;
let lastTrend = null;

function sizeChart(chart) {
	CW = Math.max(240, Math.round(chart.getBoundingClientRect().width) || 640);
	chart.setAttribute('viewBox', `0 0 ${CW} ${CH}`);
	chart.replaceChildren();
}

/* A y axis from 0 to max with three grid lines, into chart. */
function axis(chart, max, unit) {
	for (let i = 0; i <= 3; i++) {
		const v = max * i / 3, y = CH - PAD_B - (CH - PAD_B - PAD_T) * i / 3;
		chart.append(svg('line', { class: 'grid', x1: PAD_L, x2: CW - PAD_R, y1: y, y2: y }));
		chart.append(svg('text', { x: PAD_L - 4, y: y + 4, 'text-anchor': 'end' },
		    Math.round(v) + unit));
	}
}

function timeLabels(chart, minutes) {
	const n = minutes.length, w = (CW - PAD_L - PAD_R) / n, step = CW < 480 ? 30 : 15;
	for (let i = 0; i < n; i += step)
		chart.append(svg('text', { x: PAD_L + i * w, y: CH - 6 },
		    new Date(minutes[i].start_ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
	chart.append(svg('text', { x: CW - PAD_R, y: CH - 6, 'text-anchor': 'end' }, 'now'));
}

/* Rounds up to 1, 2 or 5 times a power of ten. */
function nice(v) {
	if (v <= 0)
		return 1;
	const p = Math.pow(10, Math.floor(Math.log10(v)));
	for (const m of [1, 2, 5, 10])
		if (m * p >= v)
			return m * p;
	return 10 * p;
}

/* The top of an axis with three grid lines above 0: three times a round
 * number, so that the lines fall on whole numbers. */
function top3(v) {
	return 3 * nice(Math.max(1, v) / 3);
}

function drawThroughput(minutes) {
	const chart = $('chart-throughput'), n = minutes.length;
	sizeChart(chart);
	const max = top3(Math.max(...minutes.map((m) => m.completed + m.failed + m.cancelled)));
	const w = (CW - PAD_L - PAD_R) / n, h = CH - PAD_B - PAD_T;
	axis(chart, max, '');
	minutes.forEach((m, i) => {
		const failed = m.failed + m.cancelled;
		const hc = h * m.completed / max, hf = h * failed / max, x = PAD_L + i * w + 0.5;
		if (hc > 0)
			chart.append(svg('rect', { class: 'ok', x, width: Math.max(1, w - 1), y: CH - PAD_B - hc, height: hc }));
		if (hf > 0)
			chart.append(svg('rect', { class: 'bad', x, width: Math.max(1, w - 1), y: CH - PAD_B - hc - hf, height: hf }));
	});
	timeLabels(chart, minutes);
}

function drawLatency(minutes) {
	const chart = $('chart-latency'), n = minutes.length;
	sizeChart(chart);
	const max = top3(Math.max(...minutes.map((m) => m.p99_ms || 0)));
	const w = (CW - PAD_L - PAD_R) / n, h = CH - PAD_B - PAD_T;
	axis(chart, max, '');
	for (const [field, cls] of [['p50_ms', 'p50'], ['p99_ms', 'p99']]) {
		let d = '', pen = 'M';
		minutes.forEach((m, i) => {
			if (m[field] === null) {
				pen = 'M';
				return;
			}
			const x = PAD_L + (i + 0.5) * w, y = CH - PAD_B - h * m[field] / max;
			d += pen + x.toFixed(1) + ' ' + y.toFixed(1) + ' ';
			pen = 'L';
			chart.append(svg('circle', { class: cls, cx: x, cy: y, r: 1.8 }));
		});
		if (d !== '')
			chart.append(svg('path', { class: cls, d }));
	}
	timeLabels(chart, minutes);
}

async function loadTrends() {
	const r = await api('GET', '/v1/admin/trends?minutes=60');
	if (r.status !== 200) {
		gate(r);
		return;
	}
	gate(null);
	const t = r.body.total;
	const ms = (v) => (v === null ? '–' : v + ' ms');
	$('trends-summary').textContent = 'Last 60 minutes: ' + t.completed + ' completed, ' +
	    t.failed + ' failed, ' + t.cancelled + ' cancelled; submit → completed p50 ' +
	    ms(t.p50_ms) + ', p99 ' + ms(t.p99_ms) + '.';
	$('chart-throughput').setAttribute('aria-label', 'Jobs per minute over the last hour: ' +
	    t.completed + ' completed, ' + t.failed + ' failed');
	$('chart-latency').setAttribute('aria-label', 'Submit to completed per minute: p50 ' +
	    ms(t.p50_ms) + ', p99 ' + ms(t.p99_ms) + ' over the hour');
	lastTrend = r.body.minutes;
	drawThroughput(lastTrend);
	drawLatency(lastTrend);
}

/* ---------------------------------------------------------------- Failed */

let failedNext = null;

function failedRow(job) {
	const err = job.error || {};
	const retry = el('button', { type: 'button' }, 'Retry');
	const del = el('button', { type: 'button' }, 'Delete');
	retry.setAttribute('aria-label', 'Retry job ' + job.id);
	del.setAttribute('aria-label', 'Delete job ' + job.id);
	const status = el('span', { class: 'hint' });
	const tr = el('tr', { 'data-id': job.id },
	    el('td', {}, job.updated_at ? new Date(job.updated_at).toLocaleString() : ''),
	    el('td', { class: 'url' }, job.url),
	    el('td', {}, el('code', {}, err.code || ''), ' ', err.message || ''),
	    el('td', { class: 'num' }, job.attempts),
	    el('td', { class: 'actions' }, retry, del, status));
	retry.addEventListener('click', async () => {
		retry.disabled = del.disabled = true;
		const r = await api('POST', '/v1/admin/requeue', { id: job.id });
		if (r.status !== 200) {
			status.textContent = explain(r);
			retry.disabled = del.disabled = false;
			return;
		}
		const j = await api('GET', '/v1/admin/jobs/' + job.id);
		tr.classList.add('requeued');
		status.textContent = 'requeued: ' + (j.status === 200 ? j.body.status : 'queued');
	});
	del.addEventListener('click', async () => {
		retry.disabled = del.disabled = true;
		const r = await api('DELETE', '/v1/admin/jobs/' + job.id);
		if (r.status !== 204) {
			status.textContent = explain(r);
			retry.disabled = del.disabled = false;
			return;
		}
		tr.classList.add('requeued');
		status.textContent = 'deleted';
	});
	return tr;
}

async function loadFailed(more) {
	const code = $('failed-code').value.trim();
	const q = new URLSearchParams({ status: 'failed', limit: '20' });
	if (code !== '')
		q.set('code', code);
	if (more && failedNext)
		q.set('cursor', failedNext);
	const r = await api('GET', '/v1/admin/jobs?' + q);
	if (r.status !== 200) {
		if (r.status === 400)
			$('failed-state').textContent = explain(r);
		else
			gate(r);
		return;
	}
	gate(null);
	const body = $('failed-table').tBodies[0];
	if (!more)
		body.replaceChildren();
	const codes = new Set([...$('failed-codes').options].map((o) => o.value));
	for (const job of r.body.jobs) {
		body.append(failedRow(job));
		if (job.error && job.error.code && !codes.has(job.error.code)) {
			codes.add(job.error.code);
			$('failed-codes').append(el('option', { value: job.error.code }));
		}
	}
	failedNext = r.body.next_cursor;
	$('failed-more').hidden = failedNext === null;
	$('failed-retry-all').disabled = code === '';
	$('failed-state').textContent = body.rows.length === 0 ?
	    'No failed job' + (code ? ' with code ' + code : '') + '.' :
	    body.rows.length + ' shown' + (failedNext ? ', more below' : '') + '.';
}

async function retryAll() {
	const code = $('failed-code').value.trim();
	if (code === '')
		return;
	$('failed-retry-all').disabled = true;
	const r = await api('POST', '/v1/admin/requeue', { code });
	if (r.status !== 200) {
		$('failed-state').textContent = explain(r);
	} else {
		await loadFailed(false);
		$('failed-state').textContent = r.body.requeued + ' job(s) with code ' + code +
		    ' requeued' + (r.body.more ? '; more are left: press again.' : '.');
	}
	$('failed-retry-all').disabled = false;
}

/* ---------------------------------------------------------------- Recent */

async function showJob(id) {
	const r = await api('GET', '/v1/admin/jobs/' + id);
	$('job-view-h').textContent = 'Job ' + id;
	$('job-view-json').textContent = r.status === 200 ? JSON.stringify(r.body, null, 2) : explain(r);
	$('job-view').hidden = false;
	$('job-view-json').focus();
}

async function loadRecent() {
	const r = await api('GET', '/v1/admin/jobs?status=completed&limit=24');
	if (r.status !== 200) {
		gate(r);
		return;
	}
	gate(null);
	const grid = $('recent-grid');
	grid.replaceChildren();
	for (const job of r.body.jobs) {
		const link = el('a', { href: '/v1/admin/jobs/' + encodeURIComponent(job.id) }, 'job JSON');
		link.addEventListener('click', (ev) => {
			ev.preventDefault();
			showJob(job.id);
		});
		grid.append(el('li', {},
		    el('img', { src: job.resized_url, alt: 'thumbnail of ' + job.url, width: job.width,
		    height: job.height, loading: 'lazy' }),
		    job.width + '×' + job.height + ' · ', link));
	}
	$('recent-state').textContent = r.body.jobs.length === 0 ? 'No completed job yet.' :
	    'The last ' + r.body.jobs.length + ' completed jobs, newest first.';
}

/* ---------------------------------------------------------------- Try it */

/* The body of the POST: only the fields that were filled in. */
function tryBody() {
	const f = $('try-form').elements, b = { url: f.url.value.trim() };
	for (const n of ['width', 'height', 'quality'])
		if (f[n].value !== '')
			b[n] = Number(f[n].value);
	for (const n of ['mode', 'format', 'background', 'priority'])
		if (f[n].value.trim() !== '')
			b[n] = f[n].value.trim();
	return b;
}

/* The same request with curl, the key left to the shell. */
function curlOf(body) {
	const json = JSON.stringify(body).replace(/'/g, '\'\\\'\'');
	return 'curl -X POST -H \'Content-Type: application/json\' ' +
	    (key() !== '' ? '-H "Authorization: Bearer $THUMBQ_KEY" ' : '') +
	    '\\\n  -d \'' + json + '\' \\\n  ' + location.origin + '/v1/thumbnails';
}

function step(text) {
	$('try-steps').append(el('li', {}, clock(Date.now()) + ' — ' + text));
}

function tryFailed(text) {
	$('try-error').textContent = text;
	$('try-error').hidden = false;
}

async function tryPoll(id) {
	const until = Date.now() + POLL_GIVE_UP_MS;
	let last = 'queued';
	while (Date.now() < until) {
		await new Promise((ok) => setTimeout(ok, POLL_EVERY_MS));
		const r = await api('GET', '/v1/thumbnails/' + id);
		if (r.status !== 200) {
			tryFailed(explain(r));
			return;
		}
		const job = r.body;
		if (job.status !== last) {
			last = job.status;
			step(job.status + (job.error && job.status !== 'failed' ?
			    ' (retrying after ' + job.error.code + ': ' + job.error.message + ')' : ''));
		}
		if (job.status === 'completed') {
			$('try-img').src = job.resized_url;
			$('try-img').width = job.width;
			$('try-img').height = job.height;
			const ext = /\.([a-z]+)$/.exec(job.resized_url);
			$('try-caption').textContent = job.width + ' × ' + job.height + ' px · ' +
			    (ext ? ext[1].toUpperCase() : job.options.format) + ' · ';
			$('try-caption').append(el('a', { href: job.resized_url }, job.resized_url));
			$('try-figure').hidden = false;
			return;
		}
		if (job.status === 'failed') {
			tryFailed('The job failed: ' + job.error.message + ' (error.code ' +
			    job.error.code + ').');
			return;
		}
	}
	tryFailed('Still ' + last + ' after ' + POLL_GIVE_UP_MS / 1000 + ' s: are the workers running?');
}

async function trySubmit(ev) {
	ev.preventDefault();
	const body = tryBody(), button = ev.submitter || $('try-form').querySelector('button');
	$('try-steps').replaceChildren();
	$('try-error').hidden = true;
	$('try-figure').hidden = true;
	$('try-curl').textContent = curlOf(body);
	button.disabled = true;
	const r = await api('POST', '/v1/thumbnails', body);
	if (r.status !== 201) {
		tryFailed('Refused: ' + explain(r));
		button.disabled = false;
		return;
	}
	step('submitted: job ' + r.body.id + ', ' + r.body.status);
	await tryPoll(r.body.id);
	button.disabled = false;
}

async function copyCurl() {
	try {
		await navigator.clipboard.writeText($('try-curl').textContent);
		$('try-copy-state').textContent = 'Copied.';
	} catch (e) {
		/* No clipboard (not a secure context): select it for Ctrl-C. */
		window.getSelection().selectAllChildren($('try-curl'));
		$('try-copy-state').textContent = 'Selected: press Ctrl-C to copy.';
	}
}

/* ---------------------------------------------------------------- tabs */

const loaders = { now: loadNow, trends: loadTrends, failed: () => loadFailed(false),
    recent: loadRecent, try: null };
const every = { now: NOW_EVERY_MS, trends: TRENDS_EVERY_MS };

/* Loads the visible tab, then again on its interval while the page is
 * visible: a hidden tab asks thumbq for nothing. */
async function refresh() {
	clearTimeout(timer);
	timer = null;
	if (document.hidden)
		return;
	if (loaders[tab] === null) {
		gate(null);
		return;
	}
	if (key() === '') {
		gate({ status: 401, body: null });
		return;
	}
	await loaders[tab]();
	if (every[tab] && !document.hidden)
		timer = setTimeout(refresh, every[tab]);
}

function show(name) {
	tab = name;
	for (const b of document.querySelectorAll('nav button')) {
		const on = b.dataset.tab === name;
		if (on)
			b.setAttribute('aria-current', 'page');
		else
			b.removeAttribute('aria-current');
		$(b.dataset.tab).hidden = !on;
	}
	if (location.hash !== '#' + name)
		history.replaceState(null, '', '#' + name);
	refresh();
}

function keyState() {
	$('key-state').textContent = key() === '' ? 'No key: Try it works when auth_required is off.' :
	    'A key is set for this tab.';
}

function start() {
	$('key-form').addEventListener('submit', (ev) => {
		ev.preventDefault();
		const k = $('key').value.trim();
		if (k !== '')
			sessionStorage.setItem(KEY_ITEM, k);
		$('key').value = '';
		keyState();
		refresh();
	});
	$('key-forget').addEventListener('click', () => {
		sessionStorage.removeItem(KEY_ITEM);
		keyState();
		refresh();
	});
	for (const b of document.querySelectorAll('nav button'))
		b.addEventListener('click', () => show(b.dataset.tab));
	$('failed-form').addEventListener('submit', (ev) => {
		ev.preventDefault();
		loadFailed(false);
	});
	$('failed-code').addEventListener('input', () => {
		$('failed-retry-all').disabled = $('failed-code').value.trim() === '';
	});
	$('failed-retry-all').addEventListener('click', retryAll);
	$('failed-more').addEventListener('click', () => loadFailed(true));
	$('recent-refresh').addEventListener('click', loadRecent);
	$('job-view-close').addEventListener('click', () => {
		$('job-view').hidden = true;
	});
	$('try-form').addEventListener('submit', trySubmit);
	$('try-copy').addEventListener('click', copyCurl);
	$('try-curl').textContent = curlOf({ url: 'https://example.org/photo.jpg' });
	document.addEventListener('visibilitychange', refresh);
	window.addEventListener('resize', () => {
		if (tab === 'trends' && lastTrend !== null) {
			drawThroughput(lastTrend);
			drawLatency(lastTrend);
		}
	});
	keyState();
	const first = location.hash.slice(1);
	show(first in loaders ? first : 'now');
}

document.addEventListener('DOMContentLoaded', start);
