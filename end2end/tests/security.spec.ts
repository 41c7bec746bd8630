import { test, expect, type Page } from '@playwright/test';
import { ADMIN, hydrated, signIn } from './support';
import { publishMqtt } from './feeds';
import { liveDashboard } from './dashboards';

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
  const { slug, ticks, logs } = await liveDashboard(request);
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
