import { defineConfig } from '@playwright/test';

// Run by `cargo xtask test` / `cargo xtask e2e`, which start the release
// server on a fresh database and pass BASE_URL and E2E_ADMIN_PASSWORD.
export default defineConfig({
  testDir: './tests',
  // A safety net, not a speed target: a loaded machine (other core busy)
  // must not fail the suite.
  timeout: 90_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    baseURL: process.env.BASE_URL ?? 'http://127.0.0.1:3000',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      // Debian's Chromium: Playwright never downloads a browser here.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
