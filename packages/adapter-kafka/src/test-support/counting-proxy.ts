import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on a free loopback port that forwards to `target` (`host:port`) and counts the
 * connections it accepts: how many connections a client opened, whatever the broker logs.
 */
export class CountingProxy {
  #address = '';
  #connections = 0;
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;

  private constructor(host: string, port: number) {
    this.#server = createServer((client) => {
      this.#connections++;
      const upstream = connect(port, host);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
  }

  static async start(target: string): Promise<CountingProxy> {
    const at = target.lastIndexOf(':');
    const proxy = new CountingProxy(target.slice(0, at), Number(target.slice(at + 1)));
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', resolve);
    });
    proxy.#address = `127.0.0.1:${(proxy.#server.address() as { port: number }).port}`;
    return proxy;
  }

  /** `host:port` to give the client instead of the target's. */
  get address(): string {
    return this.#address;
  }

  /** Connections accepted so far. */
  get connections(): number {
    return this.#connections;
  }

  /** Closes every connection made so far, as a broker does with idle ones; new ones are still accepted. */
  dropConnections(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
