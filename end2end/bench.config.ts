import { defineConfig } from '@playwright/test';
import suite from './playwright.config';

// The browser benchmark, run by `cargo xtask bench` (not part of `test`):
// same browser and flags as the suite, one worker, a long timeout.
export default defineConfig({
  ...suite,
  testDir: './bench',
  testMatch: '*.bench.ts',
  workers: 1,
  timeout: (Number(process.env.BENCH_SECONDS ?? 120) * 2 + 180) * 1000,
  use: {
    ...suite.use,
    trace: 'off',
    launchOptions: {
      ...suite.use?.launchOptions,
      args: [...(suite.use?.launchOptions?.args ?? []), '--enable-precise-memory-info'],
    },
  },
});
