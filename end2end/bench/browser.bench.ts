// A dashboard (ticker, chart, log tail) at 5k ticks/s + 1k log lines/s:
// the longest main-thread task, and how many there were over 50 ms and
// their time (PerformanceObserver `longtask`), and the JS
// heap growth (after a forced GC), first idle as the baseline, then loaded.
// What the long frames were made of comes from the Long Animation Frames
// API (`long-animation-frame`): script time by invoker, forced layouts,
// and style/layout/paint after the scripts.
// Then a cold page under the same load: time to its first live tick.
// Writes {idle, load, cold} as JSON to $BENCH_RESULT for `feedboard-bench perf`.
import { test, expect, type Browser, type Page } from '@playwright/test';
import { writeFileSync } from 'fs';
import * as mqtt from 'mqtt';
import { ADMIN, hydrated, unique } from '../tests/support';
import { MQTT_URL } from '../tests/feeds';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 120);
const TICKS_PER_SECOND = 5000;
const LOGS_PER_SECOND = 1000;
const SYMBOLS = ['AAPL', 'MSFT', 'GOOG', 'AMZN', 'NVDA', 'META', 'TSLA', 'AMD', 'INTC', 'ORCL'];

type Phase = {
  longestTaskMs: number;
  /** Tasks over 50 ms (the browser's long tasks), and their time summed. */
  longTasks: number;
  longTaskMs: number;
  heapStartMb: number;
  heapEndMb: number;
  heapGrowthMb: number;
  tickRate: number;
  logRate: number;
  logRows: number;
  /** The frames over 50 ms (Long Animation Frames API), taken apart. */
  longFrames: LongFrames;
};

/** Long animation frames summed up: where their time went. */
type LongFrames = {
  count: number;
  totalMs: number;
  scriptMs: number;
  forcedLayoutMs: number;
  /** From the frame's style and layout start to its end. */
  styleLayoutMs: number;
  /** Script time by invoker (`FrameRequestCallback`, `EventSource.onmessage`, …). */
  invokers: Record<string, number>;
};

/** Publishes ticks and log lines (QoS 0) at the bench rates until stopped. */
async function startPublisher(ticksTopic: string, logsTopic: string) {
  const client = await mqtt.connectAsync(MQTT_URL, { clientId: unique('bench-browser') });
  let ticks = 0;
  let logs = 0;
  const started = Date.now();
  const timer = setInterval(() => {
    const due = (rate: number) => Math.floor((rate * (Date.now() - started)) / 1000);
    for (; ticks < due(TICKS_PER_SECOND); ticks++) {
      const symbol = SYMBOLS[ticks % SYMBOLS.length];
      client.publish(ticksTopic, JSON.stringify({ symbol, price: 100 + Math.sin(ticks / 500) * 5, size: 1 }));
    }
    for (; logs < due(LOGS_PER_SECOND); logs++) {
      const level = logs % 50 === 0 ? 'ERROR' : logs % 7 === 0 ? 'WARN' : 'INFO';
      client.publish(logsTopic, JSON.stringify({ level, source: 'bench', message: `request ${logs} served` }));
    }
  }, 5);
  return async () => {
    clearInterval(timer);
    const seconds = (Date.now() - started) / 1000;
    await client.endAsync();
    return { tickRate: ticks / seconds, logRate: logs / seconds };
  };
}

async function heapMb(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.detach();
  return page.evaluate(() => (performance as any).memory.usedJSHeapSize / 2 ** 20);
}

async function phase(page: Page, seconds: number, publish?: () => Promise<() => Promise<{ tickRate: number; logRate: number }>>): Promise<Phase> {
  await page.evaluate(() => Object.assign(window as any, { __longestTask: 0, __longTasks: 0, __longTaskMs: 0, __longFrames: [] }));
  const heapStartMb = await heapMb(page);
  const stop = publish ? await publish() : undefined;
  await page.waitForTimeout(seconds * 1000);
  const rates = stop ? await stop() : { tickRate: 0, logRate: 0 };
  const [longestTaskMs, longTasks, longTaskMs] = await page.evaluate(() => {
    const w = window as any;
    return [w.__longestTask, w.__longTasks, w.__longTaskMs] as number[];
  });
  const longFrames = await page.evaluate(() => {
    const frames = (window as any).__longFrames as any[];
    const sum: any = { count: frames.length, totalMs: 0, scriptMs: 0, forcedLayoutMs: 0, styleLayoutMs: 0, invokers: {} };
    for (const f of frames) {
      sum.totalMs += f.duration;
      if (f.styleAndLayoutStart > 0) sum.styleLayoutMs += f.startTime + f.duration - f.styleAndLayoutStart;
      for (const s of f.scripts) {
        sum.scriptMs += s.duration;
        sum.forcedLayoutMs += s.forcedStyleAndLayoutDuration;
        const key = s.invokerType === 'user-callback' || s.invokerType === 'event-listener' ? s.invoker : s.invokerType;
        sum.invokers[key] = (sum.invokers[key] ?? 0) + s.duration;
      }
    }
    return sum;
  });
  const heapEndMb = await heapMb(page);
  const logRows = await page.getByTestId('log-line').count();
  return { longestTaskMs, longTasks, longTaskMs, longFrames, heapStartMb, heapEndMb, heapGrowthMb: heapEndMb - heapStartMb, logRows, ...rates };
}

/**
 * A cold page (new browser context: empty cache) opened while the feeds
 * publish: milliseconds from navigation to the server's HTML, to hydration,
 * and to the first live tick shown (AAPL's price appearing or changing after
 * hydration: the server-rendered page has no ticker rows yet, the browser
 * loads the snapshot once its stream is ready).
 * The page stamps each moment itself (`performance.now()`, from a
 * `MutationObserver` installed before any script of the page runs), so the
 * figures do not include Playwright's polling intervals.
 */
async function coldLoad(browser: Browser, baseURL: string | undefined, url: string) {
  const context = await browser.newContext({ baseURL });
  await context.addInitScript(() => {
    const cold: { hydratedMs?: number; firstTickMs?: number; price?: string | null } = {};
    (window as any).__cold = cold;
    const price = () =>
      document.querySelector('[data-testid="ticker-row"][data-symbol="AAPL"] [data-testid="ticker-price"]')?.textContent ?? null;
    new MutationObserver((_, observer) => {
      if (cold.hydratedMs === undefined) {
        if (document.body?.dataset.hydrated !== 'true') return;
        cold.hydratedMs = performance.now();
        cold.price = price();
      } else if (price() !== cold.price) {
        cold.firstTickMs = performance.now();
        observer.disconnect();
      }
    }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  const page = await context.newPage();
  await page.goto(url);
  const stamps = await page.waitForFunction(
    () => {
      const cold = (window as any).__cold;
      if (cold.firstTickMs === undefined) return undefined;
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { htmlMs: nav.responseEnd, hydratedMs: cold.hydratedMs, firstTickMs: cold.firstTickMs };
    },
    undefined,
    { timeout: 30_000 },
  );
  const result = (await stamps.jsonValue()) as { htmlMs: number; hydratedMs: number; firstTickMs: number };
  await context.close();
  return result;
}

test('a dashboard at 5k ticks/s + 1k log lines/s', async ({ page, request, browser, baseURL }) => {
  expect((await request.post('/api/v1/login', { data: ADMIN })).status()).toBe(200);
  const ticks = unique('bench-ticks');
  const logs = unique('bench-logs');
  for (const [name, kind] of [[ticks, 'ticks'], [logs, 'logs']]) {
    const created = await request.post('/api/v1/feeds', {
      data: { name, kind, source: { protocol: 'mqtt', url: MQTT_URL, topic: `bench/${name}` } },
    });
    expect(created.status()).toBe(201);
    await expect.poll(async () => (await (await request.get(`/api/v1/feeds/${name}`)).json()).status.state).toBe('connected');
  }
  const slug = unique('bench');
  const widgets = [{ type: 'ticker', feed: ticks }, { type: 'chart', feed: ticks, symbol: 'AAPL' }, { type: 'log', feed: logs }];
  expect((await request.post('/api/v1/dashboards', { data: { slug, title: 'Browser bench', widgets } })).status()).toBe(201);

  await page.addInitScript(() => {
    const w = window as any;
    Object.assign(w, { __longestTask: 0, __longTasks: 0, __longTaskMs: 0, __longFrames: [] });
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        w.__longestTask = Math.max(w.__longestTask, entry.duration);
        w.__longTasks += 1;
        w.__longTaskMs += entry.duration;
      }
    }).observe({ type: 'longtask', buffered: true });
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as any[]) {
        const scripts = entry.scripts.map((s: any) => ({
          invoker: s.invoker, invokerType: s.invokerType, duration: s.duration,
          forcedStyleAndLayoutDuration: s.forcedStyleAndLayoutDuration,
        }));
        const { startTime, duration, styleAndLayoutStart } = entry;
        w.__longFrames.push({ startTime, duration, styleAndLayoutStart, scripts });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  });
  await page.goto(`/d/${slug}`);
  await hydrated(page);
  await expect(page.getByTestId('connection-status')).toHaveText(/live/);

  const idle = await phase(page, Math.min(10, SECONDS));
  const load = await phase(page, SECONDS, () => startPublisher(`bench/${ticks}`, `bench/${logs}`));
  await expect(page.getByTestId('log-line').first()).toBeVisible();
  await page.close();
  const stop = await startPublisher(`bench/${ticks}`, `bench/${logs}`);
  const cold = await coldLoad(browser, baseURL, `/d/${slug}`);
  await stop();
  writeFileSync(process.env.BENCH_RESULT ?? 'browser.json', JSON.stringify({ idle, load, cold }, null, 2));
});
