import { test, expect } from '@playwright/test';
import { createUser, hydrated, signIn, unique } from './support';
import { publish, say, setUpRoom } from './rooms';

// `cargo xtask e2e` starts a second node on the same database and passes
// its address; the first node is the suite's BASE_URL.
const NODE_B = process.env.BASE_URL_B;

test('viewers on two nodes share chat, presence and the same live ticks', async ({ browser, request }) => {
  expect(NODE_B, 'BASE_URL_B names the second node').toBeTruthy();
  const [alice, bob] = [await createUser(request, 'viewer'), await createUser(request, 'viewer')];
  const room = await setUpRoom(request, [{ type: 'ticker', feed: 'ticks' }]);
  const a = await (await browser.newContext()).newPage();
  const b = await (await browser.newContext({ baseURL: NODE_B })).newPage();
  await signIn(a, alice);
  await signIn(b, bob);
  for (const page of [a, b]) {
    await page.goto(`/d/${room.slug}`);
    await hydrated(page);
    await expect(page.getByTestId('connection-status')).toHaveText('live');
  }
  expect(new URL(b.url()).port).not.toBe(new URL(a.url()).port);

  await expect(a.getByTestId('presence')).toContainText(bob.username);
  await expect(b.getByTestId('presence')).toContainText(alice.username);

  await say(a, 'hello from node A');
  await expect(b.getByTestId('chat-message').filter({ hasText: 'hello from node A' })).toContainText(alice.username);
  await say(b, 'hello from node B');
  await expect(a.getByTestId('chat-message').filter({ hasText: 'hello from node B' })).toContainText(bob.username);

  // Whichever node ingests the feed, both viewers see the same ticks live.
  const symbol = unique('SYM').replace(/[^A-Za-z0-9]/g, '').slice(-8).toUpperCase();
  for (const price of [101.5, 102.25]) {
    publish(`${room.ticks}/x`, JSON.stringify({ symbol, price, size: 1 }));
    for (const page of [a, b]) {
      const row = page.locator(`[data-testid="ticker-row"][data-symbol="${symbol}"]`);
      await expect(row.getByTestId('ticker-price')).toHaveText(price.toFixed(2));
    }
  }

  // Bob leaves node B: alice on node A sees him go.
  await b.close();
  await expect(a.getByTestId('presence')).not.toContainText(bob.username, { timeout: 20_000 });
});
