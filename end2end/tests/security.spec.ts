import { test, expect, type Page } from '@playwright/test';
import { ADMIN, hydrated, signIn, unique } from './support';
import { MQTT_URL, publishMqtt } from './feeds';

/** Records every Content-Security-Policy violation the page reports. */
async function watchViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(`console: ${message.text()}`);
  });
  await page.exposeFunction('reportCspViolation', (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { reportCspViolation: (t: string) => void }).reportCspViolation(
        `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
      );
    });
  });
  return violations;
}

test('pages run under a nonce-based CSP, hydrate, stream and draw the chart without a violation', async ({
  page,
  request,
}) => {
  const violations = await watchViolations(page);
  expect((await request.post('/api/v1/login', { data: ADMIN })).status()).toBe(200);
  const [ticks, logs] = [unique('csp-ticks'), unique('csp-logs')];
  for (const [name, kind] of [[ticks, 'ticks'], [logs, 'logs']]) {
    const created = await request.post('/api/v1/feeds', {
      data: { name, kind, source: { protocol: 'mqtt', url: MQTT_URL, topic: `e2e/${name}/#` } },
    });
    expect(created.status()).toBe(201);
    await expect.poll(async () => (await (await request.get(`/api/v1/feeds/${name}`)).json()).status.state).toBe('connected');
  }
  const slug = unique('csp');
  const dashboard = await request.post('/api/v1/dashboards', {
    data: {
      slug,
      title: 'CSP',
      widgets: [{ type: 'ticker', feed: ticks }, { type: 'chart', feed: ticks, symbol: 'AAPL' }, { type: 'log', feed: logs }],
    },
  });
  expect(dashboard.status()).toBe(201);
  await publishMqtt(`e2e/${ticks}/x`, JSON.stringify({ symbol: 'AAPL', price: 100, size: 1 }));
  await publishMqtt(`e2e/${logs}/x`, JSON.stringify({ level: 'WARN', source: 'csp', message: 'styled row' }));

  const response = await page.goto(`/d/${slug}`);
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self' 'nonce-");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(response?.headers()['x-content-type-options']).toBe('nosniff');
  await hydrated(page);
  await expect(page.getByTestId('connection-status')).toHaveText('live');
  await expect(page.getByTestId('chart').locator('canvas').first()).toBeVisible();
  await expect(page.getByTestId('log-line').first()).toBeVisible();
  await publishMqtt(`e2e/${ticks}/x`, JSON.stringify({ symbol: 'AAPL', price: 101.5, size: 1 }));
  await expect(page.locator('[data-testid="ticker-row"][data-symbol="AAPL"]').getByTestId('ticker-price')).toHaveText(
    '101.50',
  );

  // Pages rendered after async resources (the admin pages) and client-side
  // navigation, signed in.
  await signIn(page, ADMIN);
  await page.goto('/admin/users');
  await hydrated(page);
  await expect(page.locator('[data-testid="user-row"][data-username="admin"]')).toBeVisible();
  await page.getByRole('link', { name: 'Feeds' }).click();
  await expect(page.getByTestId('feed-row').first()).toBeVisible();
  expect(violations).toEqual([]);
});

test('the site refuses to be framed', async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(response?.headers()['x-frame-options']).toBe('DENY');
  expect(response?.headers()['referrer-policy']).toBe('same-origin');
});
