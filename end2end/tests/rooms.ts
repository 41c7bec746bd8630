/** Dashboard rooms for the interaction and cluster specs: feeds with data,
 * a dashboard showing them, and chatting as a person would. */
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { ADMIN, unique } from './support';

export type Room = { slug: string; logs: string; ticks: string };

/** Publishes one MQTT message (QoS 1) with the broker's own client. */
export function publish(topic: string, payload: string): void {
  execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', '1883', '-q', '1', '-t', topic, '-m', payload]);
}

/** Polls `path` until its `items` has at least `n` entries. */
export async function waitForItems(request: APIRequestContext, path: string, n: number): Promise<void> {
  await expect
    .poll(async () => ((await (await request.get(path)).json()).items ?? []).length, { timeout: 20_000 })
    .toBeGreaterThanOrEqual(n);
}

/**
 * As admin: a logs feed and a ticks feed on unique MQTT topics with some
 * data in them, and a dashboard showing both (plus `extraWidgets`, whose
 * `feed` is `ticks` or `logs`).
 */
export async function setUpRoom(
  request: APIRequestContext,
  extraWidgets: Array<Record<string, string>> = [],
): Promise<Room> {
  expect((await request.post('/api/v1/login', { data: ADMIN })).status()).toBe(200);
  const room = { slug: unique('room'), logs: unique('logs'), ticks: unique('ticks') };
  for (const [name, kind] of [[room.logs, 'logs'], [room.ticks, 'ticks']]) {
    const source = { protocol: 'mqtt', url: 'mqtt://127.0.0.1:1883', topic: `${name}/#` };
    expect((await request.post('/api/v1/feeds', { data: { name, kind, source } })).status()).toBe(201);
    await expect
      .poll(async () => (await (await request.get(`/api/v1/feeds/${name}`)).json()).status.state, { timeout: 20_000 })
      .toBe('connected');
  }
  for (const n of [1, 2, 3]) publish(`${room.logs}/api`, `ERROR payment ${n} failed`);
  publish(`${room.ticks}/x`, JSON.stringify({ symbol: 'AAPL', price: 189.52, size: 100 }));
  await waitForItems(request, `/api/v1/feeds/${room.logs}/logs`, 3);
  await waitForItems(request, `/api/v1/feeds/${room.ticks}/symbols`, 1);
  const widgets = [
    { type: 'chart', feed: room.ticks, symbol: 'AAPL' },
    { type: 'log', feed: room.logs },
    ...extraWidgets.map((w) => ({ ...w, feed: w.feed === 'ticks' ? room.ticks : room.logs })),
  ];
  const created = await request.post('/api/v1/dashboards', { data: { slug: room.slug, title: 'War room', widgets } });
  expect(created.status()).toBe(201);
  await request.post('/api/v1/logout');
  return room;
}

/** Types into the chat and presses Enter, as a person would. */
export async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
}

