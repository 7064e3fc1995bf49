import net from 'node:net';
import type { EventBus, PublishReceipt } from '@switchyard/core';

/**
 * Publishes `count` events to `topic` in one synchronous loop, as a service handing over a batch
 * does, and counts the socket writes made before the loop returned: above 0 when the transport puts
 * a burst's first events on the wire while the caller still publishes the rest (what the first
 * event's latency of a burst depends on). Resolves once every publish settled, with their receipts.
 */
export async function publishBurst(
  bus: EventBus,
  topic: string,
  count = 2_000,
): Promise<{ writesDuringLoop: number; receipts: PublishReceipt[] }> {
  const write = net.Socket.prototype.write;
  let writes = 0;
  net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
    writes++;
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof write;
  const published: Array<Promise<PublishReceipt>> = [];
  let writesDuringLoop: number;
  try {
    for (let n = 0; n < count; n++) {
      const data = { n, note: 'a burst of orders placed at once '.repeat(4) };
      published.push(bus.publish(topic, { type: 'order.placed', key: `k${n % 16}`, data }));
    }
    writesDuringLoop = writes;
  } finally {
    net.Socket.prototype.write = write;
  }
  return { writesDuringLoop, receipts: await Promise.all(published) };
}
