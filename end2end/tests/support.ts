import { expect, type APIRequestContext, type Page } from '@playwright/test';

export const ADMIN = { username: 'admin', password: process.env.E2E_ADMIN_PASSWORD ?? 'admin-password' };

/** A name no other test uses, so tests can run in parallel. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Waits until the Leptos app has hydrated (the wasm took over the page). */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
}

/** Signs in through the login form and waits for the user menu. */
export async function signIn(page: Page, user: { username: string; password: string }): Promise<void> {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('user-name')).toHaveText(user.username);
}

/** Creates a user through the REST API as admin; returns its credentials. */
export async function createUser(
  request: APIRequestContext,
  role: 'viewer' | 'admin',
): Promise<{ username: string; password: string }> {
  const login = await request.post('/api/v1/login', { data: ADMIN });
  expect(login.status()).toBe(200);
  const user = { username: unique(role), password: 'correct horse battery' };
  const created = await request.post('/api/v1/users', { data: { ...user, role } });
  expect(created.status()).toBe(201);
  await request.post('/api/v1/logout');
  return user;
}
