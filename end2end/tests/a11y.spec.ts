import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { ADMIN, hydrated } from './support';

/** Every page: the sign-in page as a visitor, the others as an admin. */
const VISITOR_PAGES = ['/login', '/'];
const ADMIN_PAGES = ['/', '/d/markets', '/account', '/admin/feeds', '/admin/dashboards', '/admin/users', '/admin/cluster', '/admin/alerts'];

/** The serious and critical WCAG A/AA violations on the page, one line each. */
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
}

for (const scheme of ['light', 'dark'] as const) {
  test(`every page has no serious or critical accessibility violation (${scheme})`, async ({ browser, baseURL }) => {
    const context = await browser.newContext({ baseURL, colorScheme: scheme });
    const page = await context.newPage();
    const found: Record<string, string[]> = {};
    const check = async (who: string, paths: string[]) => {
      for (const path of paths) {
        await page.goto(path);
        await hydrated(page);
        // Let live data and lazy parts settle.
        await page.waitForLoadState('networkidle').catch(() => {});
        const bad = await violations(page);
        if (bad.length) found[`${who} ${path}`] = bad;
      }
    };
    await check('visitor', VISITOR_PAGES);
    expect((await page.request.post('/api/v1/login', { data: ADMIN })).status()).toBe(200);
    await check('admin', ADMIN_PAGES);
    expect(found).toEqual({});
    await context.close();
  });
}
