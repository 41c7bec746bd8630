// Where a cold page's time to its first live tick goes: stamps from inside
// the page (navigation, hydration, EventSource created/open/first events,
// server function calls, first changed ticker price).
// Usage: node end2end/tools/first-tick.mjs <base url> <dashboard path> [symbol]
import { chromium } from '@playwright/test';

const [base, path, symbol = 'AAPL'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ baseURL: base });
await context.addInitScript((symbol) => {
  const marks = [];
  const mark = (what) => marks.push([Math.round(performance.now()), what]);
  window.__marks = marks;
  const Native = window.EventSource;
  window.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init);
      mark(`EventSource created ${url}`);
      this.addEventListener('open', () => mark('EventSource open'));
      for (const kind of ['ready', 'tick', 'log', 'status']) {
        let first = true;
        this.addEventListener(kind, () => { if (first) { first = false; mark(`first '${kind}' event`); } });
      }
    }
  };
  const price = () =>
    document.querySelector(`[data-testid="ticker-row"][data-symbol="${symbol}"] [data-testid="ticker-price"]`)?.textContent ?? null;
  let hydrated = false, shown;
  new MutationObserver((_, observer) => {
    if (!hydrated) {
      if (document.body?.dataset.hydrated !== 'true') return;
      hydrated = true;
      shown = price();
      mark(`hydrated (price ${shown})`);
    } else if (price() !== shown) {
      mark(`first live tick shown (price ${price()})`);
      observer.disconnect();
    }
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
}, symbol);
const page = await context.newPage();
await page.goto(path);
await page.waitForFunction(() => window.__marks.some(([, w]) => w.startsWith('first live tick')), undefined, { timeout: 30_000 });
const marks = await page.evaluate(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const calls = performance.getEntriesByType('resource')
    .filter((r) => r.name.includes('/api/') || r.name.includes('/pkg/'))
    .map((r) => [Math.round(r.startTime), `${new URL(r.name).pathname.slice(0, 60)} (${Math.round(r.duration)} ms)`]);
  return [[Math.round(nav.responseEnd), 'HTML received'], ...window.__marks, ...calls].sort((a, b) => a[0] - b[0]);
});
for (const [ms, what] of marks) console.log(`${String(ms).padStart(6)} ms  ${what}`);
await browser.close();
