// tests/browser/console.mjs: the console (console/) in Debian's chromium,
// headless, driven by playwright-core, against the real stack that
// tests/integration/console.sh starts (redis, thumbqd, lighttpd or Apache,
// and an origin serving tests/fixtures).  It does what a person does: loads
// the page, submits images through Try it, enters keys, opens each view,
// retries a failed job; and it checks what a person sees, plus two things
// a person cannot: no request leaves for another host, and the page logs
// no console error.
//
// Each check prints one line, "PASS description" or "FAIL description ::
// why", which console.sh turns into TAP.  A screenshot of each state goes
// to $ARTIFACTS.
//
// Environment: MODULES (the node_modules directory holding playwright-core),
// API (the web server's base URL), ORIGIN (the image
// origin's), ADMIN_KEY, PLAIN_KEY (an admin key and an ordinary one),
// ARTIFACTS (a directory), STOP_WORKERS and STOP_REDIS (commands that stop
// thumbqd and Redis).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const { MODULES, API, ORIGIN, ADMIN_KEY, PLAIN_KEY, ARTIFACTS, STOP_WORKERS, STOP_REDIS } = process.env;
// Resolved from MODULES, which need not be beside this file.
const { chromium } = createRequire(join(dirname(MODULES), 'x.js'))('playwright-core');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 30000;

let failures = 0;
function check(cond, desc, why) {
	if (cond) {
		console.log('PASS ' + desc);
	} else {
		failures++;
		console.log('FAIL ' + desc + (why ? ' :: ' + String(why).replace(/\s+/g, ' ') : ''));
	}
	return cond;
}

// Runs step; a step that throws (a wait that timed out) is one failure,
// and the steps after it still run.
async function step(desc, fn) {
	try {
		await fn();
	} catch (e) {
		check(false, desc, e.message.split('\n')[0]);
	}
}

async function shot(page, name) {
	await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
}

// The admin API from outside the page, to check what the page claims.
async function adminJob(id) {
	const r = await fetch(`${API}/v1/admin/jobs/${id}`, {
		headers: { Authorization: `Bearer ${ADMIN_KEY}` },
	});
	return r.status === 200 ? r.json() : { status: `HTTP ${r.status}` };
}

async function useKey(page, k) {
	await page.fill('#key', k);
	await page.press('#key', 'Enter');
}

async function tab(page, name) {
	// By keyboard: focus the tab's button, then Enter.
	await page.focus(`nav button[data-tab="${name}"]`);
	await page.keyboard.press('Enter');
	await page.waitForSelector(`#${name}:not([hidden])`, { timeout: WAIT });
}

mkdirSync(ARTIFACTS, { recursive: true });
const browser = await chromium.launch({
	executablePath: CHROMIUM,
	// As the probe of this machine found: no background connections of
	// chromium's own, which would leave for hosts that are not ours.
	args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
		'--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const apiOrigin = new URL(API).origin;
const requests = [], errors = [];
// The errors the page cannot help: chromium logs an answer it is meant to
// get, 403 for an ordinary key or 503 with Redis stopped ("Failed to load
// resource: ... status of 403"), while the step that expects it runs.
let expected = null;
context.on('request', (r) => requests.push(r.url()));
page.on('console', (m) => {
	if (m.type() === 'error' && !(expected && m.text().includes(`status of ${expected}`)))
		errors.push(m.text());
});
page.on('pageerror', (e) => errors.push('uncaught: ' + e.message));

let failedId = null;

await step('the console loads', async () => {
	const r = await page.goto(`${API}/console/`, { waitUntil: 'load' });
	check(r.status() === 200, 'GET /console/ answers 200', r.status());
	const csp = r.headers()['content-security-policy'] || '';
	check(/script-src 'self'/.test(csp) && !/unsafe-inline|unsafe-eval/.test(csp) &&
	    /default-src 'none'/.test(csp), 'a strict Content-Security-Policy: scripts from the origin only, nothing inline', csp);
	await page.waitForSelector('#gate:not([hidden])', { timeout: WAIT });
	const gate = await page.textContent('#gate');
	check(/needs an admin API key/.test(gate), 'without a key, the operator\'s views ask for an admin key', gate);
	await shot(page, '01-no-key');
});

await step('every control has a label', async () => {
	const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
		.filter((e) => e.type !== 'hidden' && !(e.labels && e.labels.length) &&
		    !e.getAttribute('aria-label') && e.textContent.trim() === '')
		.map((e) => e.id || e.outerHTML.slice(0, 60)));
	check(unlabelled.length === 0, 'every input, select and button has a label or a name', unlabelled.join(', '));
});

await step('try it: a thumbnail of the right size, without a key', async () => {
	await tab(page, 'try');
	await page.fill('#try-url', `${ORIGIN}/photo.jpg`);
	await page.fill('#try-width', '120');
	await page.fill('#try-height', '80');
	await page.selectOption('#try-mode', 'fill');
	// Enter in a field submits the form, as a keyboard user would.
	await page.focus('#try-url');
	await page.keyboard.press('Enter');
	await page.waitForSelector('#try-figure:not([hidden])', { timeout: WAIT });
	await page.waitForFunction(() => document.getElementById('try-img').complete &&
	    document.getElementById('try-img').naturalWidth > 0, null, { timeout: WAIT });
	const size = await page.evaluate(() => {
		const i = document.getElementById('try-img');
		return [i.naturalWidth, i.naturalHeight];
	});
	check(size[0] === 120 && size[1] === 80, 'the thumbnail appears, 120x80 as asked (fill)', size.join('x'));
	const caption = await page.textContent('#try-caption');
	check(/120 × 80/.test(caption), 'its caption says 120 × 80', caption);
	const steps = await page.textContent('#try-steps');
	check(/submitted: job [0-9a-f-]{36}/.test(steps) && /completed/.test(steps),
	    'the steps show the job submitted, then completed', steps);
	const curl = await page.textContent('#try-curl');
	check(curl.includes(`"url":"${ORIGIN}/photo.jpg"`) && curl.includes('"width":120') &&
	    curl.includes('"mode":"fill"') && curl.includes(`${API}/v1/thumbnails`),
	    'the curl command holds the same request', curl);
	await shot(page, '02-try-it-completed');
});

await step('try it: a 404 at the origin is said in words', async () => {
	await page.fill('#try-url', `${ORIGIN}/no-such-image.jpg`);
	await page.fill('#try-width', '');
	await page.fill('#try-height', '');
	await page.selectOption('#try-mode', '');
	await page.click('#try-form button[type="submit"]');
	await page.waitForSelector('#try-error:not([hidden])', { timeout: WAIT });
	const err = await page.textContent('#try-error');
	check(/404/.test(err) && /http_error/.test(err), 'the error shows the origin\'s 404 and its code', err);
	const m = /submitted: job ([0-9a-f-]{36})/.exec(await page.textContent('#try-steps'));
	failedId = m && m[1];
	check(failedId !== null, 'the failed job\'s id is shown');
	await shot(page, '03-try-it-failed');
});

await step('a key that is not an admin key gets 403, and the page says so', async () => {
	expected = 403;
	await useKey(page, PLAIN_KEY);
	await tab(page, 'now');
	await page.waitForFunction(() => /not an admin key/.test(document.getElementById('gate').textContent),
	    null, { timeout: WAIT });
	check(true, 'the page says the key is not an admin key (403)');
	const r = await fetch(`${API}/v1/admin/now`, { headers: { Authorization: `Bearer ${PLAIN_KEY}` } });
	check(r.status === 403, 'the same key gets 403 from /v1/admin/now', r.status);
	await shot(page, '04-not-admin');
	await page.click('#key-forget');
	await page.waitForTimeout(200);
	expected = null;
});

await step('now: queues, the last hour and the hosts, refreshed by themselves', async () => {
	await useKey(page, ADMIN_KEY);
	await page.waitForFunction(() => /Redis: reachable/.test(document.getElementById('now-state').textContent),
	    null, { timeout: WAIT });
	check(await page.isHidden('#gate'), 'with an admin key, no notice');
	const figures = await page.textContent('#now-figures');
	check(/Pending, high/.test(figures) && /Failed, last hour\s*1(?!\d)/.test(figures) &&
	    /Completed, last hour\s*1(?!\d)/.test(figures), 'the figures show one failed and one completed job in the last hour', figures);
	const hosts = await page.textContent('#now-hosts');
	check(/children/.test(hosts) && /idle|downloading|thumbnailing/.test(hosts), 'a live host and its children are listed', hosts.slice(0, 200));
	await shot(page, '05-now');
	const count = () => requests.filter((u) => u.endsWith('/v1/admin/now')).length;
	const before = count();
	await page.waitForTimeout(4000);
	check(count() > before, 'Now refreshes by itself', `${before} -> ${count()}`);
	await page.evaluate(() => {
		Object.defineProperty(document, 'hidden', { value: true, configurable: true });
		document.dispatchEvent(new Event('visibilitychange'));
	});
	const hidden = count();
	await page.waitForTimeout(4000);
	check(count() === hidden, 'and asks nothing while the tab is hidden', `${hidden} -> ${count()}`);
	await page.evaluate(() => {
		Object.defineProperty(document, 'hidden', { value: false, configurable: true });
		document.dispatchEvent(new Event('visibilitychange'));
	});
});

await step('trends: throughput and latency charts', async () => {
	await tab(page, 'trends');
	await page.waitForFunction(() => /1 completed, 1 failed/.test(document.getElementById('trends-summary').textContent),
	    null, { timeout: WAIT });
	const summary = await page.textContent('#trends-summary');
	check(/p50 \d+ ms, p99 \d+ ms/.test(summary), 'the summary has the p50 and p99', summary);
	const bars = await page.$$eval('#chart-throughput rect', (r) => r.map((e) => e.getAttribute('class')));
	check(bars.includes('ok') && bars.includes('bad'), 'the throughput chart has a completed and a failed bar', bars.join(','));
	const points = await page.$$eval('#chart-latency circle', (c) => c.length);
	check(points >= 2, 'the latency chart has its p50 and p99 points', points);
	await shot(page, '06-trends');
});

await step('failed jobs: the 404 is listed with its code, and Retry puts it back in the queue', async () => {
	await tab(page, 'failed');
	await page.fill('#failed-code', 'http_error');
	await page.press('#failed-code', 'Enter');
	const row = `#failed-table tr[data-id="${failedId}"]`;
	await page.waitForSelector(row, { timeout: WAIT });
	const text = await page.textContent(row);
	check(text.includes('http_error') && text.includes('no-such-image.jpg') && /404/.test(text),
	    'the failed job is listed with its URL, code and message', text);
	check(!(await page.isDisabled('#failed-retry-all')), 'Retry all of this code is offered for a code');
	await shot(page, '07-failed');
	// No worker may take the job again before the page has shown it queued.
	execFileSync('sh', ['-c', STOP_WORKERS], { stdio: 'ignore' });
	await page.click(`${row} button[aria-label="Retry job ${failedId}"]`);
	await page.waitForFunction((sel) => /requeued: queued/.test(document.querySelector(sel).textContent),
	    row, { timeout: WAIT });
	check(true, 'after Retry the row says the job is queued');
	const job = await adminJob(failedId);
	check(job.status === 'queued' && job.attempts === 0, 'the job is queued again, with fresh attempts', JSON.stringify(job).slice(0, 200));
	await shot(page, '08-requeued');
});

await step('recent: a gallery of completed jobs, each with its job JSON', async () => {
	await tab(page, 'recent');
	await page.waitForSelector('#recent-grid img', { timeout: WAIT });
	await page.waitForFunction(() => [...document.querySelectorAll('#recent-grid img')].every((i) => i.complete && i.naturalWidth > 0),
	    null, { timeout: WAIT });
	const n = await page.$$eval('#recent-grid li', (l) => l.length);
	check(n === 1, 'the one completed job is in the gallery', n);
	await page.click('#recent-grid a');
	await page.waitForSelector('#job-view:not([hidden])', { timeout: WAIT });
	const json = JSON.parse(await page.textContent('#job-view-json'));
	check(json.status === 'completed' && json.width === 120 && json.height === 80, 'its link shows the job JSON', JSON.stringify(json).slice(0, 200));
	await shot(page, '09-recent');
});

await step('phone width: one column, nothing wider than the screen', async () => {
	await page.setViewportSize({ width: 390, height: 844 });
	for (const [name, file] of [['now', '10-phone-now'], ['trends', '11-phone-trends'], ['failed', '12-phone-failed'], ['try', '13-phone-try']]) {
		await tab(page, name);
		await page.waitForTimeout(500);
		const w = await page.evaluate(() => document.documentElement.scrollWidth);
		check(w <= 390, `${name} fits a 390 px wide screen`, `${w} px`);
		await shot(page, file);
	}
});

await step('Redis stopped: the page says it is unreachable', async () => {
	await page.setViewportSize({ width: 1280, height: 900 });
	expected = 503;
	execFileSync('sh', ['-c', STOP_REDIS], { stdio: 'ignore' });
	await tab(page, 'now');
	await page.waitForFunction(() => /Redis is unreachable/.test(document.getElementById('gate').textContent) &&
	    /Redis: unreachable/.test(document.getElementById('now-state').textContent), null, { timeout: WAIT });
	check(true, 'Now says Redis is unreachable');
	await shot(page, '14-redis-down');
});

const foreign = requests.filter((u) => new URL(u).origin !== apiOrigin);
check(requests.length > 0 && foreign.length === 0, `every request (${requests.length}) went to ${apiOrigin}`, foreign.slice(0, 5).join(' '));
check(errors.length === 0, 'the page logged no console error', errors.slice(0, 5).join(' | '));
await browser.close();
process.exit(failures === 0 ? 0 : 1);
