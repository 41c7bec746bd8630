import { test, expect } from '@playwright/test';
import { hydrated } from './support';

test('the home page renders on the server and hydrates', async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'Dashboards' })).toBeVisible();
  await hydrated(page);
});

test('the dark-mode toggle works after hydration and persists across reloads', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  await hydrated(page);
  const html = page.locator('html');
  await expect(html).not.toHaveClass(/dark/);
  await page.getByTestId('theme-toggle').click();
  await expect(html).toHaveClass(/dark/);
  await expect(page.getByTestId('theme-toggle')).toHaveAttribute('aria-pressed', 'true');
  await page.reload();
  await expect(html).toHaveClass(/dark/);
  await hydrated(page);
  await page.getByTestId('theme-toggle').click();
  await expect(html).not.toHaveClass(/dark/);
});

test('the theme follows the system, also while the page is open, until the user picks one', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/');
  const html = page.locator('html');
  await expect(html).toHaveClass(/dark/);
  await hydrated(page);
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).not.toHaveClass(/dark/);
  await expect(page.getByTestId('theme-toggle')).toHaveAttribute('aria-pressed', 'false');
  await page.getByTestId('theme-toggle').click(); // the user picks dark
  await expect(html).toHaveClass(/dark/);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveClass(/dark/);
  await page.evaluate(() => localStorage.removeItem('theme'));
});

test('an unknown page answers 404 with a way back', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId('not-found')).toBeVisible();
  await page.getByRole('link', { name: 'Back to dashboards' }).click();
  await expect(page).toHaveURL(/\/$/);
});
