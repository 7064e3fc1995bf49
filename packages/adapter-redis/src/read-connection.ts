import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tlsConnectionOptions } from '@switchyard/core/transport';
import RedisParser from 'redis-parser';
import { toEventBusError } from './map-error.ts';
import type { ResolvedRedisOptions } from './options.ts';

/** A reply whose connection closed before it came. */
export class ConnectionLost extends Error {
  override readonly name = 'ConnectionLost';
  readonly code = 'ECONNRESET';
}

interface Waiting {
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The connection of a group member's blocking reads: a socket of its own whose replies are parsed
 * by redis-parser, as Buffers.
 *
 * A stream entry read in CloudEvents binary mode is 17 bulk strings (its id, eight field names and
 * their values). ioredis 6 decodes replies with a decoder whose private fields are compiled to
 * WeakMap lookups: about 4.5 µs per such entry, more than the raw client's whole event costs
 * (bench/README.md). redis-parser, the parser of ioredis up to v5, takes ~0.6 µs. This connection
 * only ever carries the reads (one command at a time, after a pipelined handshake), so it needs no
 * more of a client than this: connect (TLS, ACL user, database, name, as the shared connection),
 * send, parse, and reconnect every `reconnectWaitMs` when asked to.
 */
export class ReadConnection {
  readonly #options: ResolvedRedisOptions;
  readonly #name: string;
  #socket: Socket | undefined;
  #waiting: Waiting[] = [];
  #connecting: Promise<void> | undefined;
  #ready = false;
  #everReady = false;
  #closed = false;
  #wakeWait: (() => void) | undefined;
  /** `CLIENT ID` of the current socket: what `CLIENT UNBLOCK` names. */
  clientId: number | undefined;
  /** Runs each time the connection is ready again after a loss. */
  onReconnect: (() => void) | undefined;

  constructor(options: ResolvedRedisOptions, role: string) {
    this.#options = options;
    this.#name = `${options.name}-${role}`;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /**
   * Connects once within `connectTimeoutMs`; rejects with the mapped error (AUTHENTICATION_FAILED on
   * wrong credentials, CONNECTION_FAILED otherwise).
   */
  connect(): Promise<void> {
    if (this.#ready) return Promise.resolve();
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /**
   * Ready again after a loss: tries every `reconnectWaitMs` (plus jitter) up to
   * `maxReconnectAttempts`; wrong credentials end it at once. Resolves false once closed.
   */
  async reconnect(): Promise<boolean> {
    const { reconnectWaitMs, maxReconnectAttempts } = this.#options;
    for (let attempt = 1; !this.#closed; attempt++) {
      try {
        await this.connect();
        return true;
      } catch (error) {
        if ((error as { code?: unknown }).code === 'AUTHENTICATION_FAILED' || this.#closed) throw error;
        if (maxReconnectAttempts >= 0 && attempt > maxReconnectAttempts) throw error;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, reconnectWaitMs + Math.floor(Math.random() * 100));
        this.#wakeWait = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return false;
  }

  /**
   * Sends one command, given as its arguments or already in RESP (`encodeCommand`); its reply as
   * Buffers (arrays of them), or the error reply as a rejection.
   */
  call(command: ReadonlyArray<string | number> | string): Promise<unknown> {
    const socket = this.#socket;
    if (!this.#ready || socket === undefined) return Promise.reject(new ConnectionLost('not connected'));
    return this.#send(socket, command);
  }

  /** Closes at once: a command waiting fails with ConnectionLost. */
  disconnect(): void {
    this.#closed = true;
    this.#wakeWait?.();
    this.#drop();
  }

  /** Drops the socket (the next `reconnect()` opens another); a waiting command fails with ConnectionLost. */
  drop(): void {
    this.#drop();
  }

  /** Says QUIT when connected (waiting for the reply up to `waitMs`), then closes. */
  async quit(waitMs: number): Promise<void> {
    const socket = this.#socket;
    if (this.#ready && socket !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.#send(socket, ['QUIT']).catch(() => undefined),
        new Promise((resolve) => {
          timer = setTimeout(resolve, waitMs);
        }),
      ]);
      clearTimeout(timer);
    }
    this.disconnect();
  }

  async #open(): Promise<void> {
    if (this.#closed) throw new ConnectionLost('closed');
    const o = this.#options;
    const tls = tlsConnectionOptions(o.tls);
    const socket =
      tls === undefined
        ? netConnect({ host: o.host, port: o.port })
        : tlsConnect({ ...tls, host: o.host, port: o.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    this.#socket = socket;
    const parser = new RedisParser({
      returnBuffers: true,
      returnReply: (reply: unknown) => this.#waiting.shift()?.resolve(reply),
      returnError: (error: unknown) => this.#waiting.shift()?.reject(error),
      returnFatalError: (error: unknown) => {
        this.#waiting.shift()?.reject(error);
        socket.destroy();
      },
    });
    socket.on('data', (chunk: Buffer) => parser.execute(chunk));
    socket.on('error', () => undefined); // 'close' follows; the waiting command learns of it there
    socket.on('close', () => {
      if (this.#socket === socket) this.#lost();
    });
    const timer = setTimeout(
      () => socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
      o.connectTimeoutMs,
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const connected = tls === undefined ? 'connect' : 'secureConnect';
        socket.once(connected, () => {
          socket.off('error', reject);
          resolve();
        });
        socket.once('error', reject);
      });
      const handshake: Array<ReadonlyArray<string | number>> = [];
      if (o.password !== undefined)
        handshake.push(o.username === undefined ? ['AUTH', o.password] : ['AUTH', o.username, o.password]);
      if (o.db !== 0) handshake.push(['SELECT', o.db]);
      handshake.push(['CLIENT', 'SETNAME', this.#name], ['CLIENT', 'ID']);
      const replies = await Promise.all(handshake.map((args) => this.#send(socket, args)));
      this.clientId = Number(replies[replies.length - 1]);
    } catch (error) {
      if (this.#socket === socket) this.#drop();
      throw toEventBusError(error, { operation: 'connect', server: o.url });
    } finally {
      clearTimeout(timer);
    }
    if (this.#closed) {
      this.#drop();
      throw new ConnectionLost('closed');
    }
    this.#ready = true;
    if (this.#everReady) this.onReconnect?.();
    this.#everReady = true;
  }

  #send(socket: Socket, command: ReadonlyArray<string | number> | string): Promise<unknown> {
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    this.#waiting.push({ resolve, reject });
    socket.write(typeof command === 'string' ? command : encodeCommand(command));
    return promise;
  }

  #drop(): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    socket.destroy();
    this.#lost();
  }

  #lost(): void {
    this.#socket = undefined;
    this.#ready = false;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.reject(new ConnectionLost('connection lost before the reply'));
  }
}

/** A command as a RESP array of bulk strings. */
export function encodeCommand(args: ReadonlyArray<string | number>): string {
  let text = `*${args.length}\r\n`;
  for (const arg of args) text += encodeBulk(String(arg));
  return text;
}

/** One bulk string in RESP: what `encodeCommand` writes per argument. */
export function encodeBulk(s: string): string {
  return `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
}
