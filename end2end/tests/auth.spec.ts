import { test, expect } from '@playwright/test';
import { ADMIN, createUser, hydrated, signIn } from './support';

test('an admin signs in, manages users, and signs out', async ({ page }) => {
  await signIn(page, ADMIN);
  await expect(page.getByRole('link', { name: 'Users' })).toBeVisible();
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
  await expect(page.locator('[data-testid="user-row"][data-username="admin"]')).toBeVisible();

  await page.getByTestId('sign-out').click();
  await expect(page.getByTestId('sign-in')).toBeVisible();
  const me = await page.request.get('/api/v1/me');
  expect(me.status()).toBe(401);
});

test('an admin creates a viewer in the users page', async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto('/admin/users');
  await hydrated(page);
  const name = `viewer-${Date.now()}`;
  const form = page.getByTestId('create-user-form');
  await form.getByLabel('Username').fill(name);
  await form.getByLabel('Password').fill('short');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(form.getByText('must be at least 8 characters')).toBeVisible();
  await form.getByLabel('Password').fill('long enough password');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(page.locator(`[data-testid="user-row"][data-username="${name}"]`)).toBeVisible();
});

test('a wrong password shows a clear error', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('wrong username or password');
  await expect(page.getByTestId('sign-in')).toBeVisible();
});

test('a viewer signs in and out, and gets 403 on the admin pages', async ({ page, request }) => {
  const viewer = await createUser(request, 'viewer');
  await signIn(page, viewer);
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);

  const response = await page.goto('/admin/users');
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toBeVisible();
  const api = await page.request.get('/api/v1/users');
  expect(api.status()).toBe(403);

  await page.goto('/');
  await hydrated(page);
  await page.getByTestId('sign-out').click();
  await expect(page.getByTestId('sign-in')).toBeVisible();
});

test('anonymous visitors to an admin page are sent to sign in and come back', async ({ page }) => {
  await page.goto('/admin/users');
  await expect(page).toHaveURL(/\/login\?next=%2Fadmin%2Fusers|\/login\?next=\/admin\/users/);
  await hydrated(page);
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
});
