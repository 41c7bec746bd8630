import { test, expect } from '@playwright/test';
import { ADMIN, createUser, hydrated, signIn } from './support';

test('a user changes their own password from the account page', async ({ page, request }) => {
  const user = await createUser(request, 'viewer');
  await signIn(page, user);
  await page.getByTestId('user-name').click();
  await expect(page).toHaveURL(/\/account$/);
  await hydrated(page);
  const form = page.getByTestId('change-password-form');

  await form.getByLabel('Current password').fill('not my password');
  await form.getByLabel('New password', { exact: true }).fill('a brand new password');
  await form.getByLabel('Repeat the new password').fill('a brand new password');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByText('is not your current password')).toBeVisible();

  await form.getByLabel('Current password').fill(user.password);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByRole('status')).toHaveText(/Password changed/);

  await page.getByTestId('sign-out').click();
  await expect(page.getByTestId('sign-in')).toBeVisible();
  expect((await request.post('/api/v1/login', { data: user })).status()).toBe(401);
  await signIn(page, { username: user.username, password: 'a brand new password' });
});

test('an admin resets a user password and deletes the user', async ({ page, request }) => {
  const user = await createUser(request, 'viewer');
  await signIn(page, ADMIN);
  await page.goto('/admin/users');
  await hydrated(page);
  const row = page.locator(`[data-testid="user-row"][data-username="${user.username}"]`);

  await row.getByText('Reset password').click();
  await row.getByLabel(`New password for ${user.username}`).fill('set by the admin');
  await row.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByRole('status')).toHaveText(`New password set for ${user.username}; their sessions were signed out.`);
  expect((await request.post('/api/v1/login', { data: { username: user.username, password: 'set by the admin' } })).status()).toBe(200);
  await request.post('/api/v1/logout');

  await row.getByRole('button', { name: 'Delete' }).click();
  await row.getByRole('button', { name: 'Delete user' }).click();
  await expect(row).toHaveCount(0);
  expect((await request.post('/api/v1/login', { data: { username: user.username, password: 'set by the admin' } })).status()).toBe(401);
});

test("a signed-in user's time zone follows them to another browser", async ({ page, browser, request }) => {
  const user = await createUser(request, 'viewer');
  await signIn(page, user);
  await page.getByTestId('timezone').selectOption('Asia/Tokyo');
  await expect
    .poll(async () => (await (await page.request.get('/api/v1/me')).json()).time_zone)
    .toBe('Asia/Tokyo');

  // Another browser starts in its own time, and takes the account's zone on sign-in.
  const elsewhere = await browser.newContext();
  const other = await elsewhere.newPage();
  await other.goto('/');
  await hydrated(other);
  await expect(other.getByTestId('timezone')).toHaveValue('browser');
  await signIn(other, user);
  await expect(other.getByTestId('timezone')).toHaveValue('Asia/Tokyo');
  await other.reload();
  await hydrated(other);
  await expect(other.getByTestId('timezone')).toHaveValue('Asia/Tokyo');
  await elsewhere.close();

  // Only zones the UI offers are kept.
  const bad = await page.request.put('/api/v1/me/time-zone', { data: { time_zone: 'Mars/Olympus_Mons' } });
  expect(bad.status()).toBe(422);
  expect((await bad.json()).error.fields[0].field).toBe('time_zone');
  expect((await (await page.request.get('/api/v1/me')).json()).time_zone).toBe('Asia/Tokyo');
});
