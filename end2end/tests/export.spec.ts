import { test, expect, type APIRequestContext, type Download, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { ADMIN, hydrated, unique } from './support';
import { MQTT_URL, publishMqtt } from './feeds';

type Line = { seq: number; ts: string; level: string; source: string; message: string };

/** A dashboard with a log tail over a fresh MQTT logs feed, created as admin. */
async function logDashboard(request: APIRequestContext) {
  expect((await request.post('/api/v1/login', { data: ADMIN })).status()).toBe(200);
  const feed = unique('export-logs');
  const created = await request.post('/api/v1/feeds', {
    data: { name: feed, kind: 'logs', source: { protocol: 'mqtt', url: MQTT_URL, topic: `e2e/${feed}/#` } },
  });
  expect(created.status()).toBe(201);
  await expect.poll(async () => (await (await request.get(`/api/v1/feeds/${feed}`)).json()).status.state).toBe('connected');
  const slug = unique('export');
  const dashboard = await request.post('/api/v1/dashboards', {
    data: { slug, title: 'Export test', widgets: [{ type: 'log', feed }] },
  });
  expect(dashboard.status()).toBe(201);
  return { slug, feed };
}

/** Lines whose text would break a naive CSV writer, at two levels and two sources. */
const MESSAGES = [
  'plain start',
  'a, b, and c',
  'she said "hi"',
  'stack trace\n  at main.rs:1\n  at lib.rs:2',
  'windows\r\nline end',
  '=HYPERLINK("http://x","y")',
  '  padded  ',
  'ünïcode ✓',
];

async function publishLines(feed: string) {
  const payloads = MESSAGES.map((message, i) =>
    JSON.stringify({ level: i % 2 ? 'ERROR' : 'INFO', source: i % 3 ? 'api,1' : 'worker "w"', message, id: `e-${i}` }),
  );
  await publishMqtt(`e2e/${feed}/app`, ...payloads);
}

/** The log lines the history API returns for `query`, oldest first. */
async function apiLines(request: APIRequestContext, feed: string, query: string): Promise<Line[]> {
  const res = await request.get(`/api/v1/feeds/${feed}/logs?after_seq=0&limit=1000&${query}`);
  expect(res.status()).toBe(200);
  return (await res.json()).items;
}

/** Reads CSV as RFC 4180 says: CRLF record ends; quoted fields may hold commas, doubled quotes, line breaks. */
function readCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field === '' && record.length === 0 && !quoted, 'the file ends with a whole record').toBe(true);
  return records;
}

async function openDashboard(page: Page, slug: string, lines: number) {
  await page.goto(`/d/${slug}`);
  await hydrated(page);
  await expect(page.getByTestId('log-line')).toHaveCount(lines);
}

async function downloadText(download: Download): Promise<string> {
  return readFile(await download.path(), 'utf8');
}

test('the log tail exports its filtered lines as CSV, the same as the history API', async ({ page, request }) => {
  const { slug, feed } = await logDashboard(request);
  await publishLines(feed);
  await expect.poll(async () => (await apiLines(request, feed, '')).length).toBe(MESSAGES.length);
  await openDashboard(page, slug, MESSAGES.length);

  const tail = page.locator('[data-testid="widget"][data-kind="log"]');
  await tail.getByRole('group', { name: 'Levels' }).getByRole('button', { name: 'ERROR' }).click();
  await expect(page.getByTestId('log-line')).toHaveCount(MESSAGES.length / 2);
  const exportLink = tail.getByTestId('export-button');
  await expect(exportLink).toHaveAccessibleName('Export log lines as CSV');
  await expect(exportLink).toHaveAttribute('href', /level=ERROR/);

  const downloading = page.waitForEvent('download');
  await exportLink.click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`${feed}-logs.csv`);
  const records = readCsv(await downloadText(download));
  expect(records[0]).toEqual(['seq', 'ts', 'level', 'source', 'message']);
  const rows = records.slice(1).map(([seq, ts, level, source, message]) => ({ seq: Number(seq), ts, level, source, message }));
  const expected = await apiLines(request, feed, 'level=ERROR');
  expect(expected.length).toBe(MESSAGES.length / 2);
  expect(rows).toEqual(expected);
});

test('choosing NDJSON downloads the searched lines one JSON object a line', async ({ page, request }) => {
  const { slug, feed } = await logDashboard(request);
  await publishLines(feed);
  await expect.poll(async () => (await apiLines(request, feed, '')).length).toBe(MESSAGES.length);
  await openDashboard(page, slug, MESSAGES.length);

  const tail = page.locator('[data-testid="widget"][data-kind="log"]');
  await tail.getByTestId('log-search').fill('trace');
  await expect(page.getByTestId('log-line')).toHaveCount(1);
  await tail.getByTestId('export-format').selectOption('ndjson');
  const exportLink = tail.getByRole('link', { name: 'Export log lines as NDJSON' });
  await expect(exportLink).toHaveAttribute('href', /q=trace.*format=ndjson/);

  const downloading = page.waitForEvent('download');
  await exportLink.click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`${feed}-logs.ndjson`);
  const text = await downloadText(download);
  expect(text.endsWith('\n')).toBe(true);
  const rows = text.trimEnd().split('\n').map((line) => JSON.parse(line));
  expect(rows).toEqual(await apiLines(request, feed, 'q=trace'));
  expect(rows.map((r: Line) => r.message)).toEqual([MESSAGES[3]]);
});
