import { test, expect, type APIRequestContext } from '@playwright/test';
import { ADMIN, hydrated, signIn, unique } from './support';
import { MQTT_URL, publishMqtt, tick } from './feeds';

/** A connected MQTT ticks feed (the request context signed in as admin). */
async function ticksFeed(request: APIRequestContext): Promise<string> {
  const name = unique('alerted');
  const created = await request.post('/api/v1/feeds', {
    data: { name, kind: 'ticks', source: { protocol: 'mqtt', url: MQTT_URL, topic: `e2e/${name}/#` } },
  });
  expect(created.status()).toBe(201);
  await expect.poll(async () => (await (await request.get(`/api/v1/feeds/${name}`)).json()).status.state).toBe('connected');
  return name;
}

test('an admin creates an alert in the alerts page and sees it fire', async ({ page }) => {
  await signIn(page, ADMIN);
  const feed = await ticksFeed(page.request);
  await page.goto('/admin/alerts');
  await hydrated(page);
  await page.getByRole('button', { name: 'New alert' }).click();
  const form = page.getByTestId('alert-form');
  const name = unique('MSFT high');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Feed').selectOption(feed);
  await expect(form.getByLabel('When')).toHaveValue('price_above');
  await form.getByLabel('Symbol').fill('MSFT');
  await form.getByRole('button', { name: 'Create alert' }).click();
  await expect(form.getByText('must be a number')).toBeVisible();
  await form.getByLabel('Level').fill('400');
  await form.getByRole('button', { name: 'Create alert' }).click();
  await expect(page.getByRole('status').getByText(`Saved alert ${name}.`)).toBeVisible();
  const row = page.getByTestId('alert-row').filter({ hasText: name });
  await expect(row.getByTestId('alert-state')).toHaveText('ok');
  await expect(row).toContainText('MSFT above 400');

  await publishMqtt(`e2e/${feed}/x`, tick('MSFT', 399), tick('MSFT', 401.5));
  const id = await row.getAttribute('data-alert');
  await expect
    .poll(async () => (await (await page.request.get(`/api/v1/alerts/${id}/firings`)).json()).items.length)
    .toBe(1);
  await page.reload();
  await hydrated(page);
  await expect(row.getByTestId('alert-state')).toHaveText('firing');
  await row.getByRole('button', { name: 'Firings' }).click();
  const firing = row.getByTestId('alert-firing');
  await expect(firing).toContainText('MSFT at 401.5 crossed above 400');
  await firing.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(firing).toContainText('acknowledged by admin');

  await row.getByRole('button', { name: 'Silence 1h' }).click();
  await expect(row.getByTestId('alert-state')).toHaveText('silenced');
});

test('an alert that fires while the dashboard is open shows a toast, the bell count and a chart marker', async ({ page, request }) => {
  expect((await request.post('/api/v1/login', { data: ADMIN })).status()).toBe(200);
  const feed = await ticksFeed(request);
  const slug = unique('alerting');
  const dashboard = await request.post('/api/v1/dashboards', {
    data: { slug, title: 'Alerting', widgets: [{ type: 'chart', feed, symbol: 'AAPL' }] },
  });
  expect(dashboard.status()).toBe(201);
  const alert = await request.post('/api/v1/alerts', {
    data: { name: 'AAPL breakout', feed, rule: { type: 'price_above', symbol: 'AAPL', level: 190 } },
  });
  expect(alert.status()).toBe(201);

  await page.goto(`/d/${slug}`);
  await hydrated(page);
  await expect(page.getByTestId('connection-status')).toHaveText('live');
  await expect(page.getByTestId('alert-unread')).toHaveCount(0);
  await publishMqtt(`e2e/${feed}/x`, tick('AAPL', 189.5), tick('AAPL', 191.25));

  const toast = page.getByTestId('alert-toast');
  await expect(toast).toContainText('AAPL breakout');
  await expect(toast).toContainText('AAPL at 191.25 crossed above 190');
  await expect(page.getByTestId('alert-unread')).toHaveText('1');
  const marker = page.locator('[data-testid="chart-marker"][data-kind="alert"]');
  await expect(marker).toHaveText('Alert: AAPL breakout');

  await toast.getByRole('button', { name: 'Dismiss' }).click();
  await expect(toast).toHaveCount(0);
  await page.getByTestId('alert-bell').click();
  await expect(page.getByRole('list', { name: 'Recent alerts' })).toContainText('AAPL breakout');
  await expect(page.getByTestId('alert-unread')).toHaveCount(0);
});
