import { describe, expect, it } from 'vitest';
import type { DriverTopicSpec, KafkaDriver } from '../driver/driver.ts';
import { TopicCreator } from './topic-creator.ts';

/** A stand-in for the driver's admin calls: records each CreateTopics request, as a broker would answer it. */
class AdminDriver {
  /** The topics of each request, in order. */
  requests: string[][] = [];
  existing = new Set<string>();
  failing = new Map<string, Error>();
  /** Holds every request until `release()`; how a slow controller looks to the creator. */
  held: Array<() => void> | undefined;

  async brokerCount(): Promise<number> {
    return 1;
  }

  async createTopic(spec: DriverTopicSpec): Promise<boolean> {
    await this.request([spec]);
    const error = this.failing.get(spec.topic);
    if (error !== undefined) throw error;
    if (this.existing.has(spec.topic)) return false;
    this.existing.add(spec.topic);
    return true;
  }

  async createTopics(specs: readonly DriverTopicSpec[]): Promise<void> {
    await this.request(specs);
    const refused = specs.filter((s) => this.failing.has(s.topic));
    for (const s of specs) if (!this.failing.has(s.topic)) this.existing.add(s.topic);
    if (refused.length > 0) throw new Error(`not created: ${refused.map((s) => s.topic).join(', ')}`);
  }

  release(): void {
    for (const resume of this.held?.splice(0) ?? []) resume();
  }

  private async request(specs: readonly DriverTopicSpec[]): Promise<void> {
    this.requests.push(specs.map((s) => s.topic));
    if (this.held !== undefined) await new Promise<void>((resolve) => this.held!.push(resolve));
  }
}

const creatorOver = (driver: AdminDriver) =>
  new TopicCreator(driver as unknown as KafkaDriver, { partitions: 3, replicationFactor: 'auto' });

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('TopicCreator', () => {
  it('creates the topics asked for in one tick (a subscription’s retry topics) in one request', async () => {
    const driver = new AdminDriver();
    const creator = creatorOver(driver);
    const retry = ['orders.retry-1s', 'orders.retry-10s', 'orders.retry-1m', 'orders.retry-10m'];
    await Promise.all(retry.map((topic) => creator.ensureExists(topic, 6)));
    expect(driver.requests).toEqual([retry]);
    expect([...driver.existing]).toEqual(retry);
  });

  it('puts the topics asked for while a request is out into the next one', async () => {
    const driver = new AdminDriver();
    driver.held = [];
    const creator = creatorOver(driver);
    const first = Promise.all(['a.retry-1', 'a.retry-2'].map((t) => creator.ensureExists(t)));
    await tick();
    const second = Promise.all(['b.retry-1', 'b.retry-2', 'c'].map((t) => creator.ensureExists(t)));
    await tick();
    expect(driver.requests).toEqual([['a.retry-1', 'a.retry-2']]);
    driver.release();
    await first;
    await tick();
    driver.release();
    await second;
    expect(driver.requests).toEqual([
      ['a.retry-1', 'a.retry-2'],
      ['b.retry-1', 'b.retry-2', 'c'],
    ]);
  });

  it('takes topics that exist already (a service restarting) in the same one request', async () => {
    const driver = new AdminDriver();
    for (const t of ['a.retry-1', 'a.retry-2']) driver.existing.add(t);
    const creator = creatorOver(driver);
    await Promise.all(['a.retry-1', 'a.retry-2', 'a.retry-3'].map((t) => creator.ensureExists(t)));
    expect(driver.requests).toEqual([['a.retry-1', 'a.retry-2', 'a.retry-3']]);
  });

  it('goes topic by topic when the request fails: existing topics are fine, each caller gets its own error', async () => {
    const driver = new AdminDriver();
    driver.existing.add('old');
    const refused = new Error('policy refuses bad');
    driver.failing.set('bad', refused);
    const creator = creatorOver(driver);
    const results = await Promise.allSettled(['old', 'new', 'bad'].map((t) => creator.ensureExists(t)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toBe(refused);
    expect(driver.requests).toEqual([['old', 'new', 'bad'], ['old'], ['new'], ['bad']]);
    // A failed topic is asked for again next time; the others are not.
    driver.failing.delete('bad');
    await Promise.all(['old', 'new', 'bad'].map((t) => creator.ensureExists(t)));
    expect(driver.requests.at(-1)).toEqual(['bad']);
  });

  it('asks once for a topic however many callers want it', async () => {
    const driver = new AdminDriver();
    const creator = creatorOver(driver);
    await Promise.all([creator.ensureExists('x'), creator.ensureExists('x'), creator.ensureExists('x')]);
    await creator.ensureExists('x');
    expect(driver.requests).toEqual([['x']]);
  });

  it('makes a topic anew once told it is gone (deleted elsewhere), not while its creation is under way', async () => {
    const driver = new AdminDriver();
    const creator = creatorOver(driver);
    driver.held = [];
    const first = creator.ensureExists('orders');
    await tick();
    creator.forget('orders'); // under way: kept, so callers still share the one request
    const second = creator.ensureExists('orders');
    driver.release();
    await Promise.all([first, second]);
    expect(driver.requests).toEqual([['orders']]);
    driver.held = undefined;

    driver.existing.delete('orders');
    creator.forget('orders');
    await creator.ensureExists('orders');
    expect(driver.requests).toEqual([['orders'], ['orders']]);
    expect(driver.existing.has('orders')).toBe(true);
  });

  it('uses createTopic alone when the driver has no createTopics', async () => {
    const driver = new AdminDriver();
    (driver as { createTopics?: unknown }).createTopics = undefined;
    const creator = creatorOver(driver);
    await Promise.all(['p', 'q'].map((t) => creator.ensureExists(t)));
    expect(driver.requests).toEqual([['p'], ['q']]);
  });
});
