// Saves PNG screenshots of pages, for looking at the UI as a user would.
// usage: node end2end/tools/screenshot.mjs <base-url> <out-dir> [path ...]
//   env SIGN_IN=user:password signs in first; DARK=1 uses the dark theme;
//   WIDTH=390 sets the viewport width (default 1280); FULL=1 takes the whole
//   page; SUFFIX=-dark is added to the file names.
import { chromium } from '@playwright/test';

const [base, out, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: Number(process.env.WIDTH ?? 1280), height: 800 },
  colorScheme: process.env.DARK ? 'dark' : 'light' });
if (process.env.SIGN_IN) {
  const [username, password] = process.env.SIGN_IN.split(':');
  await page.request.post(`${base}/api/v1/login`, { data: { username, password } });
}
for (const path of paths.length ? paths : ['/']) {
  await page.goto(base + path);
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 15000 }).catch(() => {});
  await page.waitForTimeout(Number(process.env.WAIT_MS ?? 500));
  const file = `${out}/${path.replace(/[^a-z0-9]+/gi, '_') || 'root'}${process.env.SUFFIX ?? ''}.png`;
  await page.screenshot({ path: file, fullPage: Boolean(process.env.FULL) });
  console.log(file);
}
await browser.close();
