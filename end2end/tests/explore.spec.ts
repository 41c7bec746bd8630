import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { hydrated } from './support';
import { publishMqtt } from './feeds';
import { liveDashboard, openLive } from './dashboards';

const MINUTE = 60_000;

/** AAPL ticks at these many minutes ago, one each, stored before the page opens. */
async function ticksAgo(request: APIRequestContext, feed: string, minutesAgo: number[]): Promise<number> {
  const now = Date.now();
  const payloads = minutesAgo.map((m, i) =>
    JSON.stringify({ symbol: 'AAPL', price: 100 + i, size: 10, id: `${feed}-${i}`, ts: new Date(now - m * MINUTE).toISOString() }),
  );
  await publishMqtt(`e2e/${feed}/x`, ...payloads);
  await expect
    .poll(async () => (await (await request.get(`/api/v1/feeds/${feed}/ticks?symbol=AAPL&limit=100`)).json()).items.length)
    .toBe(minutesAgo.length);
  return now;
}

/** `YYYY-MM-DDTHH:MM` in UTC, as a datetime-local input takes it. */
const inputValue = (t: number) => new Date(t).toISOString().slice(0, 16);

/** How many candles the chart draws. */
const candles = (page: Page) => page.getByTestId('chart');

test('a time range shows its candles, a custom range only its own, and panning left loads older ones', async ({ page, request }) => {
  const { slug, ticks, logs } = await liveDashboard(request);
  const now = await ticksAgo(request, ticks, [300, 240, 210, 120, 50, 20, 1]);
  const line = (message: string, minutesAgo: number) =>
    JSON.stringify({ level: 'INFO', source: 'e2e', message, ts: new Date(now - minutesAgo * MINUTE).toISOString() });
  await publishMqtt(`e2e/${logs}/app`, line('long ago', 250), line('just now', 1));
  await expect
    .poll(async () => (await (await request.get(`/api/v1/feeds/${logs}/logs`)).json()).items.length)
    .toBe(2);
  await openLive(page, slug);
  await page.getByTestId('timezone').selectOption('UTC');
  const chart = candles(page);
  const picker = page.getByTestId('range-picker');

  // Live: the 150 one-minute candles before now hold the last four ticks.
  await expect(chart).toHaveAttribute('data-candles', '4');
  await picker.getByRole('button', { name: '1h', exact: true }).click();
  await expect(page).toHaveURL(/[?&]range=1h\b/);
  await expect(picker.getByRole('button', { name: '1h', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await expect(chart).toHaveAttribute('data-candles', '3');

  // A custom range, typed in UTC: the three oldest ticks, as the history API counts them.
  await picker.getByRole('button', { name: 'Custom…' }).click();
  const custom = page.getByTestId('range-custom');
  const [from, to] = [inputValue(now - 310 * MINUTE), inputValue(now - 180 * MINUTE)];
  await custom.getByLabel('From').fill(from);
  await custom.getByLabel('To').fill(to);
  await custom.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/[?&]from=.*&to=/);
  await expect(page.getByTestId('range-label')).toContainText('(UTC)');
  const api = await request.get(`/api/v1/feeds/${ticks}/candles?symbol=AAPL&interval=1m&from=${from}:00Z&to=${to}:00Z`);
  const expected = (await api.json()).items;
  expect(expected).toHaveLength(3);
  await expect(chart).toHaveAttribute('data-candles', '3');
  await expect(chart).toHaveAttribute('data-from', expected[0].t);
  // The log tail shows the range's lines only.
  await expect(page.getByTestId('log-line')).toHaveCount(1);
  await expect(page.getByTestId('log-line')).toContainText('long ago');

  // A fixed range takes no live ticks.
  await publishMqtt(`e2e/${ticks}/x`, JSON.stringify({ symbol: 'AAPL', price: 99, size: 1 }));
  await page.getByTestId('back-to-live').click();
  await expect(page).not.toHaveURL(/from=/);
  await expect(chart).toHaveAttribute('data-candles', '5');
  await expect(page.getByTestId('log-line')).toHaveCount(2);

  // Back in live: the chart starts two hours ago; dragging it right reaches past its first candle.
  await expect(chart).toHaveAttribute('aria-busy', 'false');
  const box = (await chart.boundingBox())!;
  await expect(async () => {
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.95, box.y + box.height / 2, { steps: 12 });
    await page.mouse.up();
    await expect(chart).toHaveAttribute('data-candles', '8', { timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
  const first = (await (await request.get(`/api/v1/feeds/${ticks}/ticks?symbol=AAPL&limit=1`)).json()).items[0];
  await expect(chart).toHaveAttribute('data-from', new RegExp(`^${first.ts.slice(0, 16)}`));
});

test('a link holds the range, interval and log filters; it opens the same view, and back and forward step through them', async ({ page, request, browser }) => {
  const { slug } = await liveDashboard(request);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await openLive(page, slug);
  const picker = page.getByTestId('range-picker');
  await picker.getByRole('button', { name: '24h', exact: true }).click();
  await page.getByRole('group', { name: 'Interval' }).getByRole('button', { name: '5m' }).click();
  const levels = page.getByRole('group', { name: 'Levels' });
  await levels.getByRole('button', { name: 'WARN' }).click();
  await page.getByTestId('log-search').fill('disk full');
  await expect(page).toHaveURL(/q=disk\+full/);
  for (const part of ['range=24h', 'interval=5m', 'level=WARN']) await expect(page).toHaveURL(new RegExp(part));

  await page.getByTestId('copy-link').click();
  await expect(page.getByText('Link copied.')).toBeVisible();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toBe(page.url());

  // Someone else opens the link.
  const other = await browser.newContext();
  const them = await other.newPage();
  await them.goto(link);
  await hydrated(them);
  await expect(them.getByTestId('range-picker').getByRole('button', { name: '24h', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await expect(them.getByRole('group', { name: 'Interval' }).getByRole('button', { name: '5m' })).toHaveAttribute('aria-pressed', 'true');
  await expect(them.getByRole('group', { name: 'Interval' }).getByRole('button', { name: '1s' })).toBeDisabled();
  await expect(them.getByRole('group', { name: 'Levels' }).getByRole('button', { name: 'WARN' })).toHaveAttribute('aria-pressed', 'true');
  await expect(them.getByTestId('log-search')).toHaveValue('disk full');
  await other.close();

  // Back undoes the search, then the level; forward brings the level back.
  await page.goBack();
  await expect(page).not.toHaveURL(/q=/);
  await expect(page.getByTestId('log-search')).toHaveValue('');
  await page.goBack();
  await expect(levels.getByRole('button', { name: 'WARN' })).toHaveAttribute('aria-pressed', 'false');
  await page.goForward();
  await expect(levels.getByRole('button', { name: 'WARN' })).toHaveAttribute('aria-pressed', 'true');
  await expect(picker.getByRole('button', { name: '24h', exact: true })).toHaveAttribute('aria-pressed', 'true');
});

test('the stats block sums up the range and the table sorts the latest values', async ({ page, request }) => {
  const { slug, ticks } = await liveDashboard(request, ({ ticks }) => [
    { type: 'stats', feed: ticks, symbol: 'AAPL' },
    { type: 'table', feed: ticks },
  ]);
  const send = (symbol: string, ...prices: number[]) =>
    publishMqtt(`e2e/${ticks}/x`, ...prices.map((price) => JSON.stringify({ symbol, price, size: 10 })));
  await send('AAPL', 100, 104, 98, 101);
  await send('MSFT', 400);
  await expect
    .poll(async () => (await (await request.get(`/api/v1/feeds/${ticks}/ticks?limit=100`)).json()).items.length)
    .toBe(5);
  await openLive(page, slug);

  const stats = page.getByTestId('stats');
  await expect(stats.getByTestId('stat-last')).toHaveText('101.00');
  await expect(stats.getByTestId('stat-min')).toHaveText('98.00');
  await expect(stats.getByTestId('stat-max')).toHaveText('104.00');
  await expect(stats.getByTestId('stat-change')).toHaveText('+1.00 (+1.00%)');
  await expect(stats.getByTestId('stat-volume')).toHaveText('40');
  const closes = (await (await request.get(`/api/v1/feeds/${ticks}/candles?symbol=AAPL&interval=1m`)).json()).items.map(
    (c: { close: number }) => c.close,
  );
  const mean = closes.reduce((a: number, b: number) => a + b, 0) / closes.length;
  await expect(stats.getByTestId('stat-avg')).toHaveText(mean.toFixed(2));
  // Live ticks move it.
  await send('AAPL', 110);
  await expect(stats.getByTestId('stat-last')).toHaveText('110.00');
  await expect(stats.getByTestId('stat-max')).toHaveText('110.00');

  const table = page.getByTestId('table');
  const symbols = () => table.getByTestId('ticker-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-symbol')));
  await expect(table.getByTestId('ticker-row')).toHaveCount(2);
  const last = table.getByRole('columnheader', { name: 'Last' });
  await last.getByRole('button').click();
  await expect(last).toHaveAttribute('aria-sort', 'ascending');
  expect(await symbols()).toEqual(['AAPL', 'MSFT']);
  await last.getByRole('button').click();
  await expect(last).toHaveAttribute('aria-sort', 'descending');
  expect(await symbols()).toEqual(['MSFT', 'AAPL']);
  // A price move reorders a sorted table.
  await send('AAPL', 500);
  await expect.poll(symbols).toEqual(['AAPL', 'MSFT']);
  await expect(table.locator('[data-testid="ticker-row"][data-symbol="AAPL"]').getByTestId('ticker-updated')).toHaveText(/^\d\d:\d\d:\d\d$/);
});

test('the level histogram counts lines by level, live, and a level filters the log tail', async ({ page, request }) => {
  const { slug, logs } = await liveDashboard(request, ({ logs }) => [
    { type: 'histogram', feed: logs },
    { type: 'log', feed: logs },
  ]);
  const send = (...levels: string[]) =>
    publishMqtt(`e2e/${logs}/app`, ...levels.map((level, i) => JSON.stringify({ level, source: 'e2e', message: `${level} ${i}` })));
  await send('ERROR', 'INFO', 'INFO', 'ERROR', 'INFO');
  await expect
    .poll(async () => (await (await request.get(`/api/v1/feeds/${logs}/logs?limit=100`)).json()).items.length)
    .toBe(5);
  await openLive(page, slug);

  const histogram = page.getByTestId('histogram');
  const total = (level: string) => histogram.locator(`[data-testid="histogram-level"][data-level="${level}"]`).getByTestId('histogram-total');
  await expect(total('ERROR')).toHaveText('2');
  await expect(total('INFO')).toHaveText('3');
  const lines = () =>
    histogram.getByTestId('histogram-bar').evaluateAll((bars) => bars.reduce((n, b) => n + Number(b.getAttribute('data-lines')), 0));
  expect(await lines()).toBe(5);

  await send('WARN');
  await expect(total('WARN')).toHaveText('1');
  await expect.poll(lines).toBe(6);

  // Its export holds the counts the API gives for the window shown.
  const exportLink = histogram.getByTestId('export-button');
  const href = (await exportLink.getAttribute('href')) ?? '';
  expect(href).toMatch(/\/levels\?bucket=\d+&from=.*&to=.*&format=csv$/);
  const downloading = page.waitForEvent('download');
  await exportLink.click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`${logs}-levels.csv`);
  const rows = (await readFile(await download.path(), 'utf8')).trimEnd().split('\r\n').map((r) => r.split(','));
  expect(rows[0]).toEqual(['t', 'level', 'lines']);
  const counts = (await (await request.get(href.replace('format=csv', 'format=json'))).json()).items;
  expect(rows.slice(1)).toEqual(counts.map((c: { t: string; level: string; lines: number }) => [c.t, c.level, String(c.lines)]));
  expect(rows.slice(1).reduce((n, r) => n + Number(r[2]), 0)).toBe(6);

  await histogram.locator('[data-testid="histogram-level"][data-level="ERROR"]').click();
  await expect(page).toHaveURL(/[?&]level=ERROR\b/);
  await expect(page.getByRole('group', { name: 'Levels' }).getByRole('button', { name: 'ERROR' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('log-line')).toHaveCount(2);
});

test('a line chart compares symbols in % change or in price, live, and its legend reads the crosshair', async ({ page, request }) => {
  const { slug, ticks } = await liveDashboard(request, ({ ticks }) => [{ type: 'line', feed: ticks, symbol: 'AAPL, MSFT' }]);
  const now = Date.now();
  const tick = (symbol: string, price: number, minutesAgo: number) =>
    JSON.stringify({ symbol, price, size: 1, id: `${symbol}-${minutesAgo}`, ts: new Date(now - minutesAgo * MINUTE).toISOString() });
  await publishMqtt(`e2e/${ticks}/x`, tick('AAPL', 100, 3), tick('MSFT', 50, 3), tick('AAPL', 110, 1), tick('MSFT', 45, 1));
  await expect
    .poll(async () => (await (await request.get(`/api/v1/feeds/${ticks}/ticks?limit=100`)).json()).items.length)
    .toBe(4);
  await openLive(page, slug);
  await page.getByTestId('timezone').selectOption('UTC');
  const entry = (symbol: string) => page.locator(`[data-testid="line-legend-entry"][data-symbol="${symbol}"]`);
  const value = (symbol: string) => entry(symbol).getByTestId('line-value');
  const scale = page.getByTestId('line-scale');

  // Two lines start in % change, each against its own first price.
  await expect(entry('AAPL')).toHaveAttribute('data-points', '2');
  await expect(entry('MSFT')).toHaveAttribute('data-points', '2');
  await expect(scale.getByRole('button', { name: '% change' })).toHaveAttribute('aria-pressed', 'true');
  await expect(value('AAPL')).toHaveText('+10.00%');
  await expect(value('MSFT')).toHaveText('-10.00%');
  await scale.getByRole('button', { name: 'Price' }).click();
  await expect(value('AAPL')).toHaveText('110.00');
  await expect(value('MSFT')).toHaveText('45.00');

  // A live tick extends its line.
  await publishMqtt(`e2e/${ticks}/x`, JSON.stringify({ symbol: 'AAPL', price: 121, size: 1 }));
  await expect(value('AAPL')).toHaveText('121.00');
  await expect(entry('AAPL')).toHaveAttribute('data-points', '3');

  // The crosshair at the chart's left edge reads the first minute.
  const box = await page.getByTestId('line-chart').boundingBox();
  if (!box) throw new Error('the line chart has no box');
  await page.mouse.move(box.x + 4, box.y + box.height / 2);
  await expect(value('AAPL')).toHaveText('100.00');
  await expect(value('MSFT')).toHaveText('50.00');
  const first = new Date(Math.floor((now - 3 * MINUTE) / MINUTE) * MINUTE).toISOString();
  await expect(page.getByTestId('line-time')).toHaveText(`at ${first.slice(0, 10)} ${first.slice(11, 19)} UTC`);
  await page.mouse.move(box.x + box.width / 2, box.y - 40);
  await expect(page.getByTestId('line-time')).toHaveText('latest');
  await expect(value('AAPL')).toHaveText('121.00');

  // The export gives the chosen line's candles.
  await page.getByTestId('line-export-symbol').selectOption('MSFT');
  await expect(page.getByTestId('export-button')).toHaveAttribute('href', /candles\?symbol=MSFT&interval=1m/);
});
