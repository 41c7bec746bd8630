import { test, expect, type Page } from '@playwright/test';
import { ADMIN, createUser, hydrated, signIn, unique } from './support';
import { createFeed } from './feeds';

/** Signs in as admin, makes a ticks and a logs feed, opens the dashboards page. */
async function openWithFeeds(page: Page) {
  await signIn(page, ADMIN);
  const ticks = await createFeed(page.request, 'ticks');
  const logs = await createFeed(page.request, 'logs');
  await page.goto('/admin/dashboards');
  await hydrated(page);
  return { ticks, logs };
}

function dashboardRow(page: Page, slug: string) {
  return page.locator(`[data-testid="dashboard-row"][data-slug="${slug}"]`);
}

test('an admin builds a dashboard with widgets and opens it', async ({ page }) => {
  const { ticks, logs } = await openWithFeeds(page);
  const slug = unique('markets');
  await page.getByRole('button', { name: 'New dashboard' }).click();
  const form = page.getByTestId('dashboard-form');
  await form.getByLabel('Title').fill('Markets and logs');
  await form.getByLabel('Slug').fill(slug);

  const first = form.getByRole('group', { name: 'Widget 1' });
  await expect(first.getByLabel('Type')).toHaveValue('ticker');
  // A ticker only offers ticks feeds.
  await expect(first.getByLabel('Feed').locator('option', { hasText: logs })).toHaveCount(0);
  await first.getByLabel('Feed').selectOption(ticks);

  await form.getByRole('button', { name: 'Add widget' }).click();
  const second = form.getByRole('group', { name: 'Widget 2' });
  await second.getByLabel('Type').selectOption('chart');
  await second.getByLabel('Feed').selectOption(ticks);
  await second.getByLabel('Symbol (optional)').fill('AAPL');

  await form.getByRole('button', { name: 'Add widget' }).click();
  const third = form.getByRole('group', { name: 'Widget 3' });
  await third.getByLabel('Type').selectOption('log');
  await expect(third.getByLabel('Feed').locator('option', { hasText: ticks })).toHaveCount(0);
  await third.getByLabel('Feed').selectOption(logs);

  // The log tail goes second.
  await form.getByRole('button', { name: 'Move widget 3 up' }).click();
  await expect(form.getByRole('group', { name: 'Widget 2' }).getByLabel('Type')).toHaveValue('log');
  await expect(form.getByRole('group', { name: 'Widget 3' }).getByLabel('Symbol (optional)')).toHaveValue('AAPL');

  await form.getByRole('button', { name: 'Create dashboard' }).click();
  const row = dashboardRow(page, slug);
  await expect(row).toContainText('Markets and logs');
  await expect(row).toContainText('3 widgets');

  const saved = await (await page.request.get(`/api/v1/dashboards/${slug}`)).json();
  expect(saved.widgets).toEqual([
    { type: 'ticker', feed: ticks },
    { type: 'log', feed: logs },
    { type: 'chart', feed: ticks, symbol: 'AAPL' },
  ]);

  await row.getByRole('link', { name: 'Open Markets and logs' }).click();
  await expect(page).toHaveURL(new RegExp(`/d/${slug}$`));
  await expect(page.getByRole('heading', { name: 'Markets and logs' })).toBeVisible();
});

test('the dashboard form shows the server’s field errors beside each field', async ({ page }) => {
  await openWithFeeds(page);
  await page.getByRole('button', { name: 'New dashboard' }).click();
  const form = page.getByTestId('dashboard-form');
  await form.getByLabel('Title').fill('Broken');
  await form.getByLabel('Slug').fill('Not A Slug');
  await form.getByRole('button', { name: 'Create dashboard' }).click();

  await expect(form.getByLabel('Slug')).toHaveAccessibleDescription("may only contain a-z, 0-9 and '-'");
  await expect(form.getByRole('group', { name: 'Widget 1' }).getByLabel('Feed')).toHaveAccessibleDescription(
    'choose a feed',
  );
});

test('an admin renames a dashboard, removes a widget, then deletes it after confirming', async ({ page }) => {
  const { ticks } = await openWithFeeds(page);
  const slug = unique('ops');
  const created = await page.request.post('/api/v1/dashboards', {
    data: { slug, title: 'Ops', widgets: [{ type: 'ticker', feed: ticks }, { type: 'chart', feed: ticks }] },
  });
  expect(created.status()).toBe(201);
  await page.reload();
  await hydrated(page);

  const row = dashboardRow(page, slug);
  await row.getByRole('button', { name: 'Edit Ops' }).click();
  const form = page.getByTestId('dashboard-form');
  await expect(form.getByLabel('Title')).toHaveValue('Ops');
  await form.getByLabel('Title').fill('Operations');
  await form.getByRole('button', { name: 'Remove widget 2' }).click();
  await expect(form.getByRole('group', { name: 'Widget 2' })).toHaveCount(0);
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(row).toContainText('Operations');
  await expect(row).toContainText('1 widget');

  await row.getByRole('button', { name: 'Delete', exact: true }).click();
  await row.getByRole('button', { name: 'Delete dashboard', exact: true }).click();
  await expect(row).toHaveCount(0);
});

test('a viewer gets 403 on the dashboards admin page', async ({ page, request }) => {
  const viewer = await createUser(request, 'viewer');
  await signIn(page, viewer);
  const response = await page.goto('/admin/dashboards');
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toBeVisible();
});
