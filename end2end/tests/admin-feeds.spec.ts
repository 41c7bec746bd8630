import { test, expect, type Page } from '@playwright/test';
import { ADMIN, createUser, hydrated, signIn, unique } from './support';
import { createFeed, declareExchange, publishAmqp, publishMqtt, tick } from './feeds';

/** Opens the feeds page as admin and starts a new feed. */
async function startNewFeed(page: Page) {
  await signIn(page, ADMIN);
  await page.goto('/admin/feeds');
  await hydrated(page);
  await page.getByRole('button', { name: 'Add feed' }).click();
  return page.getByTestId('feed-form');
}

function feedRow(page: Page, name: string) {
  return page.locator(`[data-testid="feed-row"][data-feed="${name}"]`);
}

test('an admin previews an MQTT feed, creates it, and watches it ingest', async ({ page }) => {
  const form = await startNewFeed(page);
  const name = unique('mqtt-ticks');
  const topic = `e2e/${name}`;
  await form.getByLabel('Name').fill(name);
  await expect(form.getByLabel('Broker URL')).toHaveValue('mqtt://127.0.0.1:1883');
  await form.getByLabel('Topic filter').fill(`${topic}/#`);

  await form.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByTestId('preview');
  await expect(preview.getByText('Waiting up to 5 s for messages…')).toBeVisible();
  // Publish while the preview listens, until what it heard shows.
  await expect(async () => {
    await publishMqtt(`${topic}/AAPL`, tick('AAPL', 189.52), 'not json at all');
    await expect(preview.getByTestId('preview-parsed').first()).toContainText('"symbol": "AAPL"', { timeout: 1_000 });
    await expect(preview.getByTestId('preview-error').first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(preview.getByTestId('preview-raw').filter({ hasText: 'not json at all' }).first()).toBeVisible();

  await form.getByRole('button', { name: 'Create feed' }).click();
  await expect(page.getByText(`Saved feed ${name}.`)).toBeVisible();
  const row = feedRow(page, name);
  await expect(row.getByTestId('feed-status')).toHaveText('connected', { timeout: 20_000 });
  await expect(row).toContainText(`${topic}/#`);

  await expect(async () => {
    await publishMqtt(`${topic}/MSFT`, tick('MSFT', 420.5));
    await expect(row.getByTestId('feed-stored')).not.toHaveText('0', { timeout: 2_500 });
  }).toPass({ timeout: 30_000 });
  await expect(row.getByTestId('feed-received')).not.toHaveText('0');
  await expect(row.getByTestId('feed-last-message')).not.toHaveText('never');

  await publishMqtt(`${topic}/BAD`, '{"symbol":"BAD"}');
  await expect(row.getByTestId('feed-rejected')).not.toHaveText('0', { timeout: 15_000 });
  await row.getByRole('button', { name: 'Rejected payloads' }).click();
  const rejected = row.getByTestId('rejected-item').first();
  await expect(rejected).toContainText('{"symbol":"BAD"}');
  await expect(rejected.getByTestId('rejected-reason')).not.toBeEmpty();
});

test('an admin previews an AMQP log feed, creates it, and its password stays hidden', async ({ page }) => {
  const exchange = unique('e2e-logs');
  await declareExchange(exchange);
  const form = await startNewFeed(page);
  const name = unique('amqp-logs');
  await form.getByLabel('Name').fill(name);
  await form.getByRole('radio', { name: 'Logs' }).check();
  await form.getByRole('radio', { name: 'AMQP' }).check();
  await expect(form.getByLabel('Broker URL')).toHaveValue('amqp://guest:guest@127.0.0.1:5672/%2f');
  await form.getByLabel('Exchange').fill(exchange);
  await form.getByLabel('Binding key').fill('app.#');

  await form.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByTestId('preview');
  await expect(async () => {
    await publishAmqp(exchange, 'app.web', 'ERROR disk full on /var');
    await expect(preview.getByTestId('preview-parsed').first()).toContainText('"level": "ERROR"', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(preview.getByTestId('preview-parsed').first()).toContainText('disk full on /var');

  await form.getByRole('button', { name: 'Create feed' }).click();
  const row = feedRow(page, name);
  await expect(row.getByTestId('feed-status')).toHaveText('connected', { timeout: 20_000 });
  await expect(row).toContainText('amqp://guest:********@127.0.0.1:5672/%2f');
  await expect(row).not.toContainText('guest:guest');
  await expect(row).toContainText(exchange);

  await expect(async () => {
    await publishAmqp(exchange, 'app.api', 'WARN slow request');
    await expect(row.getByTestId('feed-stored')).not.toHaveText('0', { timeout: 2_500 });
  }).toPass({ timeout: 30_000 });
});

test('invalid settings show an error next to each field', async ({ page }) => {
  const form = await startNewFeed(page);
  await form.getByLabel('Name').fill('Not A Slug');
  await form.getByLabel('Broker URL').fill('http://127.0.0.1:1883');
  await form.getByLabel('Topic filter').fill('ticks/#/more');
  await form.getByRole('button', { name: 'Create feed' }).click();

  await expect(form.getByLabel('Name')).toHaveAccessibleDescription("may only contain a-z, 0-9 and '-'");
  await expect(form.getByLabel('Broker URL')).toHaveAccessibleDescription('scheme must be one of mqtt, mqtts, ws, wss, tcp, ssl');
  await expect(form.getByLabel('Topic filter')).toHaveAccessibleDescription("'#' must be a whole level and the last one");
  await expect(form.getByLabel('Topic filter')).toHaveAttribute('aria-invalid', 'true');

  await form.getByRole('radio', { name: 'AMQP' }).check();
  await form.getByLabel('Exchange').fill('');
  await form.getByRole('button', { name: 'Create feed' }).click();
  await expect(form.getByLabel('Exchange')).toHaveAccessibleDescription('must not be empty');
});

test('a broker that cannot be reached shows as a preview error', async ({ page }) => {
  const form = await startNewFeed(page);
  await form.getByLabel('Broker URL').fill('mqtt://127.0.0.1:1');
  await form.getByLabel('Topic filter').fill('anything/#');
  await form.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByTestId('preview').getByRole('alert')).toContainText('cannot connect');
});

test('an admin switches a feed off and on, then deletes it after confirming', async ({ page }) => {
  await signIn(page, ADMIN);
  const name = await createFeed(page.request, 'ticks');
  await page.goto('/admin/feeds');
  await hydrated(page);
  const row = feedRow(page, name);
  const status = row.getByTestId('feed-status');
  await expect(status).toHaveText('disabled');

  const enabled = row.getByRole('switch', { name: 'Enabled' });
  await expect(enabled).toHaveAttribute('aria-checked', 'false');
  await enabled.click();
  await expect(enabled).toHaveAttribute('aria-checked', 'true');
  await expect(status).toHaveText(/connecting|connected/);
  await enabled.click();
  await expect(status).toHaveText('disabled');

  await row.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(row.getByText(`Delete ${name} and all its stored messages?`)).toBeVisible();
  await row.getByRole('button', { name: 'Cancel' }).click();
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: 'Delete', exact: true }).click();
  await row.getByRole('button', { name: 'Delete feed', exact: true }).click();
  await expect(row).toHaveCount(0);
  expect((await page.request.get(`/api/v1/feeds/${name}`)).status()).toBe(404);
});

test('an admin edits a feed in the same form', async ({ page }) => {
  await signIn(page, ADMIN);
  const name = await createFeed(page.request, 'logs');
  await page.goto('/admin/feeds');
  await hydrated(page);
  await feedRow(page, name).getByRole('button', { name: `Edit ${name}` }).click();
  const form = page.getByTestId('feed-form');
  await expect(form.getByLabel('Name')).toHaveValue(name);
  await expect(form.getByRole('radio', { name: 'Logs' })).toBeChecked();
  await expect(form.getByRole('radio', { name: 'Ticks' })).toBeDisabled();
  await form.getByLabel('Topic filter').fill(`e2e/${name}/changed/#`);
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(feedRow(page, name)).toContainText(`e2e/${name}/changed/#`);
});

test('editing an AMQP feed keeps its hidden password, for preview and for ingest', async ({ page }) => {
  await signIn(page, ADMIN);
  const name = unique('amqp-edit');
  const exchange = unique('e2e-edit');
  await declareExchange(exchange);
  const created = await page.request.post('/api/v1/feeds', {
    data: {
      name, kind: 'logs', enabled: false,
      source: { protocol: 'amqp', url: 'amqp://guest:guest@127.0.0.1:5672/%2f', exchange, binding_key: '#' },
    },
  });
  expect(created.status()).toBe(201);
  await page.goto('/admin/feeds');
  await hydrated(page);
  const row = feedRow(page, name);
  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const form = page.getByTestId('feed-form');
  await expect(form.getByLabel('Broker URL')).toHaveValue('amqp://guest:********@127.0.0.1:5672/%2f');

  await form.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByTestId('preview');
  await expect(async () => {
    await publishAmqp(exchange, 'any.key', 'INFO still here');
    await expect(preview.getByTestId('preview-parsed').first()).toContainText('still here', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });

  await form.getByRole('switch', { name: 'Enabled' }).click();
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(row.getByTestId('feed-status')).toHaveText('connected', { timeout: 20_000 });
});

test('a viewer gets 403 on the feeds page', async ({ page, request }) => {
  const viewer = await createUser(request, 'viewer');
  await signIn(page, viewer);
  const response = await page.goto('/admin/feeds');
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await expect(page.getByTestId('feed-row')).toHaveCount(0);
});

test('an admin keeps a feed for a day, then for a custom 36 hours', async ({ page }) => {
  const form = await startNewFeed(page);
  const name = unique('retention');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Topic filter').fill(`e2e/${name}/#`);
  const keep = form.getByLabel('Keep history');
  // A new feed starts with the server's default, named once it is known.
  await expect(keep).toHaveValue('default');
  await expect(keep.locator('option:checked')).toHaveText(/^Default \(.+\)$/);
  await expect(keep).toHaveAccessibleDescription(/leave history within a minute/);
  await keep.selectOption({ label: '1 day' });
  await form.getByRole('switch', { name: 'Enabled' }).click();
  await form.getByRole('button', { name: 'Create feed' }).click();
  await expect(page.getByText(`Saved feed ${name}.`)).toBeVisible();
  const row = feedRow(page, name);
  await expect(row.getByTestId('feed-retention')).toHaveText('1d');
  await expect(row.getByTestId('feed-storage')).toHaveText('nothing kept yet');

  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const edit = page.getByTestId('feed-form');
  await expect(edit.getByLabel('Keep history')).toHaveValue('1d');
  await expect(edit.getByLabel('Keep history').locator('option[value="default"]')).toHaveCount(0);
  await edit.getByLabel('Keep history').selectOption({ label: 'Custom…' });
  const custom = edit.getByLabel('Custom duration');
  await expect(custom).toBeFocused();
  await custom.fill('36h');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(row.getByTestId('feed-retention')).toHaveText('36h');
  const saved = await (await page.request.get(`/api/v1/feeds/${name}`)).json();
  expect(saved.retention).toEqual({ max_age: '36h' });

  // The form shows a stored custom retention as it was typed.
  await row.getByRole('button', { name: `Edit ${name}` }).click();
  await expect(page.getByTestId('feed-form').getByLabel('Custom duration')).toHaveValue('36h');
});

test('a custom retention that is not a duration is named at its field and nothing is saved', async ({ page }) => {
  await signIn(page, ADMIN);
  const name = await createFeed(page.request, 'ticks');
  const before = (await (await page.request.get(`/api/v1/feeds/${name}`)).json()).retention;
  await page.goto('/admin/feeds');
  await hydrated(page);
  const row = feedRow(page, name);
  await expect(row.getByTestId('feed-retention')).toHaveText(before.max_age ?? 'forever');
  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const form = page.getByTestId('feed-form');
  await form.getByLabel('Keep history').selectOption({ label: 'Custom…' });
  const custom = form.getByLabel('Custom duration');
  await custom.fill('a week');
  await form.getByRole('button', { name: 'Save changes' }).click();

  await expect(custom).toHaveAttribute('aria-invalid', 'true');
  await expect(custom).toHaveAccessibleDescription(/^Keep history: "a week" is not a duration/);
  await expect(form.getByTestId('retention-error')).toContainText('Keep history');
  await expect(custom).toBeFocused();
  await expect(form).toBeVisible();
  await expect(page.getByText(`Saved feed ${name}.`)).toHaveCount(0);
  expect((await (await page.request.get(`/api/v1/feeds/${name}`)).json()).retention).toEqual(before);

  // The message follows the text as it is corrected.
  await custom.fill('14d');
  await expect(custom).toHaveAttribute('aria-invalid', 'false');
  await expect(form.getByTestId('retention-error')).toHaveCount(0);
});

test('an admin fixes a failing mapping, sees the preview parse, and re-ingests the rejected messages', async ({ page }) => {
  const form = await startNewFeed(page);
  const name = unique('reparse');
  const topic = `e2e/${name}`;
  // The publisher nests its prices and puts the symbol in the topic.
  const nested = (price: number) => JSON.stringify({ data: { last: { px: String(price) } } });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Topic filter').fill(`${topic}/#`);
  await form.getByRole('button', { name: 'Create feed' }).click();
  const row = feedRow(page, name);
  await expect(row.getByTestId('feed-status')).toHaveText('connected', { timeout: 20_000 });
  await publishMqtt(`${topic}/AAPL`, nested(189.5), nested(190.25), nested(191));
  await expect(row.getByTestId('feed-rejected')).toHaveText('3', { timeout: 15_000 });

  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const edit = page.getByTestId('feed-form');
  await edit.getByText('Advanced: payload mapping').click();
  // The preview with the old mapping says why the messages fail, and the
  // mapping inputs then offer the paths the messages hold.
  await edit.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByTestId('preview');
  await expect(async () => {
    await publishMqtt(`${topic}/MSFT`, nested(420.5));
    await expect(preview.getByTestId('preview-error').first()).toContainText('missing field', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(preview.getByText('would be rejected').first()).toBeVisible();
  const paths = edit.getByTestId('mapping-paths');
  await expect(paths.locator('option[value="/data/last/px"]')).toHaveCount(1);
  await expect(paths.locator('option[value="topic[2]"]')).toHaveText('MSFT');
  await expect(edit.getByLabel('Price field')).toHaveAttribute('list', 'mapping-paths');
  await edit.getByLabel('Symbol field').fill('topic[2]');
  await edit.getByLabel('Price field').fill('/data/last/px');
  await edit.getByRole('button', { name: 'Preview' }).click();
  await expect(async () => {
    await publishMqtt(`${topic}/MSFT`, nested(420.5));
    await expect(preview.getByTestId('preview-parsed').first()).toContainText('"symbol": "MSFT"', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText(`Saved feed ${name}.`)).toBeVisible();

  await row.getByRole('button', { name: 'Rejected payloads' }).click();
  // The three AAPL ticks, and the MSFT ones the preview heard (the feed, still on its old mapping, heard them too).
  const offer = row.getByTestId('reparse-offer');
  await expect(offer).toHaveText(/^\d+ rejected messages would parse with this feed's current mapping\.$/);
  const count = Number((await offer.textContent())!.split(' ')[0]);
  expect(count).toBeGreaterThanOrEqual(4);
  await row.getByRole('button', { name: `Re-ingest ${count}` }).click();
  await expect(row.getByTestId('reparse-done')).toHaveText(`Stored ${count} messages; none left rejected.`);
  await expect(offer).toHaveCount(0);
  await expect(row.getByTestId('rejected-item')).toHaveCount(0);
  await expect(row.getByTestId('feed-rejected')).toHaveText('0', { timeout: 15_000 });

  const ticks = await page.request.get(`/api/v1/feeds/${name}/ticks?symbol=AAPL`);
  const prices = (await ticks.json()).items.map((t: { price: number }) => t.price);
  expect(prices).toEqual([189.5, 190.25, 191]);
});
