import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { ADMIN, hydrated, unique } from './support';
import { MQTT_URL } from './feeds';

type Feeds = { ticks: string; logs: string };
type Widget = { type: string; feed: string; symbol?: string };

/** Ticker, AAPL chart and log tail. */
const STANDARD = ({ ticks, logs }: Feeds): Widget[] => [
  { type: 'ticker', feed: ticks },
  { type: 'chart', feed: ticks, symbol: 'AAPL' },
  { type: 'log', feed: logs },
];

/** A dashboard over two fresh MQTT feeds (ticks and logs), created as
 *  admin, with the `widgets` made for them. */
export async function liveDashboard(request: APIRequestContext, widgets: (feeds: Feeds) => Widget[] = STANDARD) {
  expect((await request.post('/api/v1/login', { data: ADMIN })).status()).toBe(200);
  const logs = unique('logs');
  const ticks = unique('ticks');
  for (const [name, kind] of [[logs, 'logs'], [ticks, 'ticks']]) {
    const created = await request.post('/api/v1/feeds', {
      data: { name, kind, source: { protocol: 'mqtt', url: MQTT_URL, topic: `e2e/${name}/#` } },
    });
    expect(created.status()).toBe(201);
    await expect.poll(async () => (await (await request.get(`/api/v1/feeds/${name}`)).json()).status.state).toBe('connected');
  }
  const slug = unique('live');
  const dashboard = await request.post('/api/v1/dashboards', {
    data: {
      slug,
      title: 'Live test',
      widgets: widgets({ ticks, logs }),
    },
  });
  expect(dashboard.status()).toBe(201);
  return { slug, logs, ticks };
}

/** Opens the dashboard and waits until it is live. */
export async function openLive(page: Page, slug: string) {
  await page.goto(`/d/${slug}`);
  await hydrated(page);
  await expect(page.getByTestId('connection-status')).toHaveText('live');
}

