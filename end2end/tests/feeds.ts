// Helpers for tests about feeds: publishing to the local brokers as an
// outside application would, and creating feeds through the REST API.
import { expect, type APIRequestContext } from '@playwright/test';
import * as amqp from 'amqplib';
import * as mqtt from 'mqtt';
import { unique } from './support';

export const MQTT_URL = process.env.E2E_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
export const AMQP_URL = process.env.E2E_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/%2f';

/** Publishes each payload to `topic` on the MQTT broker with QoS 1. */
export async function publishMqtt(topic: string, ...payloads: (string | Buffer)[]): Promise<void> {
  const client = await mqtt.connectAsync(MQTT_URL, { clientId: unique('e2e-publisher') });
  try {
    for (const payload of payloads) await client.publishAsync(topic, payload, { qos: 1 });
  } finally {
    await client.endAsync();
  }
}

/** Declares `exchange` as a durable topic exchange, as a publishing app would. */
export async function declareExchange(exchange: string): Promise<void> {
  await withChannel(async (channel) => {
    await channel.assertExchange(exchange, 'topic', { durable: true });
  });
}

/** Publishes each payload to `exchange` with `routingKey`, confirmed by the broker. */
export async function publishAmqp(exchange: string, routingKey: string, ...payloads: (string | Buffer)[]): Promise<void> {
  await withChannel(async (channel) => {
    await channel.assertExchange(exchange, 'topic', { durable: true });
    for (const payload of payloads) channel.publish(exchange, routingKey, Buffer.from(payload));
    await channel.waitForConfirms();
  });
}

async function withChannel(use: (channel: amqp.ConfirmChannel) => Promise<void>): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    await use(await connection.createConfirmChannel());
  } finally {
    await connection.close();
  }
}

/** Creates a disabled MQTT feed of `kind` through the REST API (the
 *  request context must be signed in as admin); returns its name. */
export async function createFeed(request: APIRequestContext, kind: 'ticks' | 'logs'): Promise<string> {
  const name = unique(kind);
  const created = await request.post('/api/v1/feeds', {
    data: { name, kind, enabled: false, source: { protocol: 'mqtt', url: MQTT_URL, topic: `e2e/${name}/#` } },
  });
  expect(created.status()).toBe(201);
  return name;
}

/** A tick payload as a market data publisher would send it. */
export function tick(symbol: string, price: number): string {
  return JSON.stringify({ symbol, price, size: 100, ts: new Date().toISOString() });
}
