import { test, expect, type Page } from '@playwright/test';
import { createUser, hydrated, signIn } from './support';
import { say, setUpRoom } from './rooms';

test('two viewers see each other, chat both ways, and see annotations appear live', async ({ browser, request }) => {
  const [alice, bob] = [await createUser(request, 'viewer'), await createUser(request, 'viewer')];
  const room = await setUpRoom(request);
  const aliceContext = await browser.newContext();
  const bobContext = await browser.newContext();
  const a = await aliceContext.newPage();
  const b = await bobContext.newPage();
  const dialogs: string[] = [];
  for (const page of [a, b]) {
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  }
  await signIn(a, alice);
  await signIn(b, bob);
  for (const page of [a, b]) {
    await page.goto(`/d/${room.slug}`);
    await hydrated(page);
    await page.getByText('Notes on recent data').click();
  }

  await expect(a.getByTestId('presence')).toContainText(bob.username);
  await expect(b.getByTestId('presence')).toContainText(alice.username);

  await say(a, 'hello bob');
  const fromAlice = b.getByTestId('chat-message').filter({ hasText: 'hello bob' });
  await expect(fromAlice).toContainText(alice.username);
  await expect(fromAlice).toHaveAttribute('data-own', 'false');
  await expect(a.getByTestId('chat-message').filter({ hasText: 'hello bob' })).toHaveAttribute('data-own', 'true');
  await say(b, 'hi alice');
  await expect(a.getByTestId('chat-message').filter({ hasText: 'hi alice' })).toContainText(bob.username);

  // Markup in chat is shown as text and never runs.
  const attack = '<img src=x onerror=alert(1)>';
  await say(a, attack);
  await expect(b.getByTestId('chat-message').filter({ hasText: attack })).toBeVisible();
  await expect(b.locator('[data-testid="chat-message"] img')).toHaveCount(0);

  // Alice notes a log line; Bob sees it on the same line without reloading.
  const aliceLine = a.getByTestId('room-log-line').first();
  const seq = await aliceLine.getAttribute('data-seq');
  await aliceLine.getByTestId('annotate').click();
  await aliceLine.getByTestId('annotation-input').fill('started after the deploy');
  await aliceLine.getByTestId('annotation-input').press('Enter');
  const bobLine = b.locator(`[data-testid="room-log-line"][data-seq="${seq}"]`);
  await expect(bobLine.getByTestId('annotation')).toContainText('started after the deploy');
  await expect(bobLine.getByTestId('annotation')).toContainText(alice.username);
  // The log tail widget marks the same line.
  const tailLine = b.locator(`[data-testid="log-line"][data-seq="${seq}"]`);
  await expect(tailLine.getByTestId('annotation-count')).toHaveText('1 note');

  // Bob replies in the thread; Alice sees the reply.
  await bobLine.getByRole('button', { name: 'Reply' }).click();
  await bobLine.getByTestId('reply-input').fill('rolling back');
  await bobLine.getByTestId('reply-input').press('Enter');
  await expect(aliceLine.getByTestId('annotation-reply')).toContainText('rolling back');

  // Alice notes a chart point; Bob sees it.
  const alicePoint = a.locator('[data-testid="room-point"][data-symbol="AAPL"]');
  await alicePoint.getByTestId('annotate-point-open').click();
  await alicePoint.getByTestId('annotation-input').fill('AAPL spike');
  await alicePoint.getByTestId('annotation-input').press('Enter');
  const bobPoint = b.locator('[data-testid="room-point"][data-symbol="AAPL"]');
  await expect(bobPoint.getByTestId('annotation')).toContainText('AAPL spike');

  // Bob leaves: Alice's presence bar drops him.
  await bobContext.close();
  await expect(a.getByTestId('presence')).not.toContainText(bob.username);
  expect(dialogs).toEqual([]);
  await aliceContext.close();
});

test('chat tells what went wrong: too long, too fast, signed out', async ({ page, browser, request }) => {
  const carol = await createUser(request, 'viewer');
  const room = await setUpRoom(request);
  await signIn(page, carol);
  await page.goto(`/d/${room.slug}`);
  await hydrated(page);
  await expect(page.getByTestId('room-status')).toHaveAttribute('data-state', 'live');

  await say(page, 'x'.repeat(2001));
  await expect(page.getByRole('alert')).toContainText('at most 2000 characters');
  await expect(page.getByTestId('chat-input')).toHaveValue('x'.repeat(2001));

  // Each refusal shows until the next send; watch for one while typing fast.
  const slowDown = page.getByRole('alert').filter({ hasText: 'too fast' }).waitFor();
  for (let i = 0; i < 40; i++) await say(page, `quick ${i}`);
  await slowDown;
  await expect(page.getByTestId('chat-message').filter({ hasText: 'quick 0' })).toBeVisible();

  const anonymous = await (await browser.newContext()).newPage();
  await anonymous.goto(`/d/${room.slug}`);
  await hydrated(anonymous);
  await expect(anonymous.getByRole('link', { name: 'Sign in to chat' })).toBeVisible();
  await expect(anonymous.getByTestId('chat-message').filter({ hasText: 'quick 0' })).toBeVisible();
  await expect(page.getByTestId('presence')).toContainText('+1 anonymous');
});

test('the chat collapses and counts what arrives meanwhile', async ({ page, browser, request }) => {
  const [dave, erin] = [await createUser(request, 'viewer'), await createUser(request, 'viewer')];
  const room = await setUpRoom(request);
  await signIn(page, dave);
  await page.goto(`/d/${room.slug}`);
  await hydrated(page);
  await page.getByTestId('chat-toggle').click();
  await expect(page.getByTestId('chat-input')).toBeHidden();

  const other = await (await browser.newContext()).newPage();
  await signIn(other, erin);
  await other.goto(`/d/${room.slug}`);
  await hydrated(other);
  await say(other, 'one');
  await say(other, 'two');
  await expect(page.getByTestId('chat-unread')).toContainText('2');
  await page.getByTestId('chat-toggle').click();
  await expect(page.getByTestId('chat-unread')).toHaveCount(0);
  await expect(page.getByTestId('chat-message').filter({ hasText: 'two' })).toBeVisible();
});
