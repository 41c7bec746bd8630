import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { hydrated } from './support';
import { publishMqtt } from './feeds';
import { liveDashboard, openLive } from './dashboards';

const logLine = (i: number) => JSON.stringify({ level: 'INFO', source: 'e2e', message: `line ${i}`, id: `line-${i}` });

async function publishLines(feed: string, from: number, to: number) {
  const lines = [];
  for (let i = from; i < to; i++) lines.push(logLine(i));
  await publishMqtt(`e2e/${feed}/app`, ...lines);
}

/** Waits until the history API holds `n` lines of `feed`. */
async function storedLines(request: APIRequestContext, feed: string, n: number) {
  await expect.poll(async () => (await (await request.get(`/api/v1/feeds/${feed}/logs?limit=1000`)).json()).items.length).toBe(n);
}

/** The `seq`s of the log lines on the page, top to bottom. */
async function shownSeqs(page: Page): Promise<number[]> {
  return page.getByTestId('log-line').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq'))));
}

test('ticks and log lines arrive live', async ({ page, request }) => {
  const { slug, logs, ticks } = await liveDashboard(request);
  await openLive(page, slug);
  await publishMqtt(`e2e/${ticks}/x`, JSON.stringify({ symbol: 'AAPL', price: 101.5, size: 10 }));
  const row = page.locator('[data-testid="ticker-row"][data-symbol="AAPL"]');
  await expect(row.getByTestId('ticker-price')).toHaveText('101.50');
  await publishMqtt(`e2e/${ticks}/x`, JSON.stringify({ symbol: 'AAPL', price: 102.25, size: 10 }));
  await expect(row.getByTestId('ticker-price')).toHaveText('102.25');
  await expect(page.getByTestId('chart')).toBeVisible();
  await publishLines(logs, 0, 1);
  await expect(page.getByTestId('log-line').getByText('line 0')).toBeVisible();
});

test('ticker prices stored before the page load keep moving live after it', async ({ page, request }) => {
  const { slug, ticks } = await liveDashboard(request);
  await publishMqtt(`e2e/${ticks}/x`, JSON.stringify({ symbol: 'AAPL', price: 101.5, size: 10 }));
  await expect.poll(async () => (await (await request.get(`/api/v1/feeds/${ticks}/ticks?limit=10`)).json()).items.length).toBe(1);
  await openLive(page, slug);
  const row = page.locator('[data-testid="ticker-row"][data-symbol="AAPL"]');
  await expect(row.getByTestId('ticker-price')).toHaveText('101.50');
  await publishMqtt(`e2e/${ticks}/x`, JSON.stringify({ symbol: 'AAPL', price: 102.25, size: 10 }));
  await expect(row.getByTestId('ticker-price')).toHaveText('102.25');
});

test('history before the page load and live lines after it are stitched exactly', async ({ page, request }) => {
  const { slug, logs } = await liveDashboard(request);
  await publishLines(logs, 0, 10);
  await storedLines(request, logs, 10);
  await openLive(page, slug);
  await expect(page.getByTestId('log-line')).toHaveCount(10);
  await publishLines(logs, 10, 20);
  await expect(page.getByTestId('log-line')).toHaveCount(20);
  expect(await shownSeqs(page)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  const api = (await (await request.get(`/api/v1/feeds/${logs}/logs?after_seq=0&limit=100`)).json()).items;
  const shown = await page.getByTestId('log-message').allTextContents();
  expect(shown).toEqual(api.map((l: { message: string }) => l.message));
});

test('going offline and online reconnects and loses no line', async ({ page, context, request }) => {
  const { slug, logs } = await liveDashboard(request);
  await publishLines(logs, 0, 3);
  await storedLines(request, logs, 3);
  await openLive(page, slug);
  await expect(page.getByTestId('log-line')).toHaveCount(3);

  await context.setOffline(true);
  await expect(page.getByTestId('connection-status')).not.toHaveText('live');
  await publishLines(logs, 3, 8);
  await storedLines(request, logs, 8);
  await context.setOffline(false);
  await expect(page.getByTestId('connection-status')).toHaveText('live', { timeout: 20_000 });
  await expect(page.getByTestId('log-line')).toHaveCount(8);
  expect(await shownSeqs(page)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
});

test('pausing the log tail counts new lines; resuming shows them', async ({ page, request }) => {
  const { slug, logs } = await liveDashboard(request);
  await openLive(page, slug);
  await publishLines(logs, 0, 3);
  await expect(page.getByTestId('log-line')).toHaveCount(3);
  await page.getByTestId('log-pause').click();
  await expect(page.getByTestId('log-pause')).toHaveText('Resume');
  await publishLines(logs, 3, 7);
  await expect(page.getByTestId('log-new-count')).toHaveText('4 new');
  await expect(page.getByTestId('log-line')).toHaveCount(3);
  await page.getByTestId('log-pause').click();
  await expect(page.getByTestId('log-line')).toHaveCount(7);
  expect(await shownSeqs(page)).toEqual([1, 2, 3, 4, 5, 6, 7]);
});

test('the chart recolours when the theme changes', async ({ page, request }) => {
  const { slug } = await liveDashboard(request);
  await page.emulateMedia({ colorScheme: 'light' });
  await openLive(page, slug);
  const chart = page.getByTestId('chart');
  await expect(chart).toHaveAttribute('data-theme', 'light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(chart).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('theme-toggle').click();
  await expect(chart).toHaveAttribute('data-theme', 'light');
  await page.evaluate(() => localStorage.removeItem('theme'));
});

test('one time zone: the log lines and the chart axis change together, and the choice is kept', async ({ page, request }) => {
  const { slug, logs } = await liveDashboard(request);
  await openLive(page, slug);
  const ts = new Date(Date.now() - 3_600_000);
  ts.setUTCMilliseconds(250);
  await publishMqtt(`e2e/${logs}/app`, JSON.stringify({ level: 'INFO', source: 'e2e', message: 'zoned', ts: ts.toISOString() }));
  const time = page.getByTestId('log-line').filter({ hasText: 'zoned' }).getByTestId('log-time');
  const clock = (d: Date) => d.toISOString().slice(11, 23); // HH:MM:SS.mmm in UTC
  const chart = page.getByTestId('chart');

  await page.getByTestId('timezone').selectOption('UTC');
  await expect(time).toHaveText(clock(ts));
  await expect(chart).toHaveAttribute('data-time-zone', 'UTC');
  await page.getByTestId('timezone').selectOption('Asia/Tokyo'); // UTC+9, no daylight saving
  await expect(time).toHaveText(clock(new Date(ts.getTime() + 9 * 3_600_000)));
  await expect(chart).toHaveAttribute('data-time-zone', 'Asia/Tokyo');

  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('timezone')).toHaveValue('Asia/Tokyo');
  await expect(time).toHaveText(clock(new Date(ts.getTime() + 9 * 3_600_000)));
});

test('the log tail can be driven with the keyboard alone', async ({ page, request }) => {
  const { slug, logs } = await liveDashboard(request);
  await openLive(page, slug);
  await publishLines(logs, 0, 30);
  await expect(page.getByTestId('log-line')).not.toHaveCount(0);
  await expect(page.locator('[data-testid="log-line"][data-seq="30"]')).toBeVisible();

  await page.keyboard.press('/');
  await expect(page.getByTestId('log-search')).toBeFocused();
  const list = page.getByRole('log', { name: /Log lines/ });
  await list.focus();
  await page.keyboard.press('ArrowDown'); // the newest line
  await expect(page.locator('[data-testid="log-line"][data-seq="30"]')).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  await expect(page.locator('[data-testid="log-line"][data-seq="28"]')).toBeFocused();
  await page.keyboard.press('Home');
  await expect(page.locator('[data-testid="log-line"][data-seq="1"]')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('log-details')).toContainText('line 1');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('log-details')).toHaveCount(0);

  await page.keyboard.press(' ');
  await expect(page.getByTestId('log-pause')).toHaveText('Resume');
  await publishLines(logs, 30, 32);
  await expect(page.getByTestId('log-new-count')).toHaveText('2 new');
  await page.keyboard.press(' ');
  await expect(page.getByTestId('log-pause')).toHaveText('Pause');
  await expect(page.locator('[data-testid="log-line"][data-seq="32"]')).toBeAttached();
});

test('a permalink scrolls to its line and highlights it', async ({ page, request }) => {
  const { slug, logs } = await liveDashboard(request);
  await publishLines(logs, 0, 60);
  await storedLines(request, logs, 60);
  await page.goto(`/d/${slug}?log=${logs}:12`);
  await hydrated(page);
  const line = page.locator('[data-testid="log-line"][data-seq="12"]');
  await expect(line).toBeVisible();
  await expect(line).toHaveClass(/ring-amber-400/);
  await expect(page.getByTestId('log-details')).toContainText('line 11');
});

test('hostile log text is shown as text and runs nothing', async ({ page, request }) => {
  const { slug, logs } = await liveDashboard(request);
  let dialogs = 0;
  page.on('dialog', async (dialog) => {
    dialogs++;
    await dialog.dismiss();
  });
  await openLive(page, slug);
  await publishMqtt(`e2e/${logs}/app`, '<script>alert(1)</script>', 'ERROR <img src=x onerror=alert(2)>');
  await expect(page.getByTestId('log-message').nth(0)).toHaveText('<script>alert(1)</script>');
  await expect(page.getByTestId('log-message').nth(1)).toHaveText('ERROR <img src=x onerror=alert(2)>');
  await page.getByTestId('log-line').nth(1).click();
  await expect(page.getByTestId('log-details')).toContainText('<img src=x onerror=alert(2)>');
  expect(dialogs).toBe(0);
  expect(await page.locator('img[src="x"]').count()).toBe(0);
});

test('a search that looked back as far as it may says so and searches further on request', async ({ page, request }) => {
  const { slug, logs } = await liveDashboard(request);
  // One needle among 150 lines; the e2e server searches 100 lines per request.
  const lines = [];
  for (let i = 0; i < 150; i++) {
    const message = i === 10 ? 'the needle is here' : `hay ${i}`;
    lines.push(JSON.stringify({ level: 'INFO', source: 'e2e', message, id: `hay-${i}` }));
  }
  await publishMqtt(`e2e/${logs}/app`, ...lines);
  await storedLines(request, logs, 150);
  await openLive(page, slug);
  await page.getByTestId('log-search').fill('needle');
  const further = page.getByTestId('log-search-further');
  await expect(page.getByText('Searched back to line 51.')).toBeVisible();
  await expect(page.getByTestId('log-line')).toHaveCount(0);
  await further.click();
  await expect(page.getByTestId('log-line')).toHaveCount(1);
  await expect(page.getByTestId('log-line')).toContainText('the needle is here');
  await expect(further).toHaveCount(0);
});

test('replaying a past window at 10× moves the ticker and log tail, stops at its end, and goes back to live', async ({ page, request }) => {
  const { slug, logs, ticks } = await liveDashboard(request);
  const started = Date.now();
  await publishMqtt(`e2e/${ticks}/x`, JSON.stringify({ symbol: 'AAPL', price: 101.5, size: 10 }));
  await publishLines(logs, 0, 5);
  await storedLines(request, logs, 5);
  await openLive(page, slug);
  await expect(page.getByTestId('log-line')).toHaveCount(5);

  const controls = page.getByTestId('replay-controls');
  await controls.getByRole('button', { name: 'Replay…' }).click();
  // From 20 s before the data to now (the form's end), at 10×: the data comes about 2 s in.
  const from = await page.evaluate((ms) => {
    const d = new Date(ms);
    d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    return d.toISOString().slice(0, 19);
  }, started - 20_000);
  await controls.getByLabel('Replay from').fill(from);
  await controls.getByLabel('Replay speed').selectOption('10');
  await controls.getByRole('button', { name: 'Play' }).click();
  await expect(page.getByTestId('connection-status')).toHaveText('replay');
  await expect(page.getByTestId('log-line')).toHaveCount(0);
  await expect(page.getByTestId('log-line')).toHaveCount(5, { timeout: 20_000 });
  const price = page.locator('[data-testid="ticker-row"][data-symbol="AAPL"]').getByTestId('ticker-price');
  await expect(price).toHaveText('101.50');
  await expect(controls.getByTestId('replay-state')).toContainText('Replay finished', { timeout: 30_000 });
  await expect(page.getByTestId('connection-status')).toHaveText('replay');

  // What arrives meanwhile waits for the return to live, and none of it is missed.
  await publishLines(logs, 5, 7);
  await storedLines(request, logs, 7);
  await expect(page.getByTestId('log-line')).toHaveCount(5);
  await controls.getByRole('button', { name: 'Back to live' }).click();
  await expect(page.getByTestId('connection-status')).toHaveText('live');
  await expect(page.getByTestId('log-line')).toHaveCount(7);
  expect(await shownSeqs(page)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  await expect(price).toHaveText('101.50');
});
