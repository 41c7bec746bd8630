import { chromium } from '@playwright/test';
const base = 'http://127.0.0.1:3999';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (const dark of [false, true]) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: dark ? 'dark' : 'light' });
  await page.request.post(`${base}/api/v1/login`, { data: { username: 'admin', password: 'shotpass' } });
  await page.goto(`${base}/d/markets`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.waitForTimeout(3000);
  await page.getByRole('button', { name: 'Replay…' }).click();
  await page.screenshot({ path: `/tmp/shots/replay-form-${dark ? 'dark' : 'light'}.png` });
  await page.getByLabel('Replay speed').selectOption('100');
  await page.getByRole('button', { name: 'Play' }).click();
  await page.waitForTimeout(4000);
  await page.screenshot({ path: `/tmp/shots/replay-playing-${dark ? 'dark' : 'light'}.png` });
  await page.goto(`${base}/admin/feeds`);
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.getByRole('button', { name: /New feed|Add feed/ }).first().click();
  await page.getByLabel('Broker URL').fill('mqtts://broker.example:8883');
  await page.waitForTimeout(500);
  await page.getByText('TLS: own CA, client certificate').click();
  await page.screenshot({ path: `/tmp/shots/feed-tls-${dark ? 'dark' : 'light'}.png`, fullPage: true });
  await page.close();
}
await browser.close();
