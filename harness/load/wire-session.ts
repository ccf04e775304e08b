import { Socket } from 'node:net';
import pg from 'pg';
import type { TlsSettings } from '../config/dsn.ts';
import { tlsConnectionOptions } from '../db/tls-options.ts';
import type { ScriptProgram } from './pgbench-script.ts';
import { type ScriptName, scriptCatalog } from './scripts.ts';

export interface SessionTarget {
  host: string;
  port: number;
  user: string;
  database: string;
  password: string | undefined;
  tls?: TlsSettings | undefined;
}

const noBytes = Buffer.alloc(0);
const noDelivery = (_chunk: Buffer) => {};

/** A failed call: a server error (with its SQLSTATE) or the connection gone. */
export class CallError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** Bind (one binary int4 parameter, text results), Execute, Sync, for a named statement. */
function callTemplate(statement: string): { buffer: Buffer; idOffset: number } {
  const name = Buffer.from(`${statement}\0`);
  const bindBody = Buffer.concat([
    Buffer.from([0]), // unnamed portal
    name,
    Buffer.from([0, 1, 0, 1]), // one parameter format: binary
    Buffer.from([0, 1, 0, 0, 0, 4, 0, 0, 0, 0]), // one parameter, 4 bytes, value patched per call
    Buffer.from([0, 0]), // results in text
  ]);
  const bind = Buffer.alloc(5 + bindBody.length);
  bind.write('B', 0);
  bind.writeInt32BE(4 + bindBody.length, 1);
  bindBody.copy(bind, 5);
  const execute = Buffer.from([0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0]);
  const sync = Buffer.from([0x53, 0, 0, 0, 4]);
  const idOffset = 5 + 1 + name.length + 4 + 2 + 4;
  return { buffer: Buffer.concat([bind, execute, sync]), idOffset };
}

/** The name a user script's statement is prepared under: program index, statement index. */
export const programStatement = (program: number, statement: number) => `sm_u${program}_${statement}`;

/** Bind with text parameters (the server infers their types, as pgbench -M prepared lets it), Execute, Sync. */
function textCall(statement: string, params: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0]), Buffer.from(`${statement}\0`), Buffer.from([0, 0])];
  const count = Buffer.alloc(2);
  count.writeInt16BE(params.length);
  parts.push(count);
  for (const p of params) {
    const value = Buffer.from(p);
    const length = Buffer.alloc(4);
    length.writeInt32BE(value.length);
    parts.push(length, value);
  }
  parts.push(Buffer.from([0, 0]));
  const body = Buffer.concat(parts);
  const bind = Buffer.alloc(5);
  bind.write('B', 0);
  bind.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([
    bind,
    body,
    Buffer.from([0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0]),
    Buffer.from([0x53, 0, 0, 0, 4]),
  ]);
}

/**
 * A socket that reads into one buffer of its own and hands each read to `deliver`, instead
 * of allocating a Buffer per read and pushing it through a Readable stream ('data' events
 * are not emitted at all). Until the hot path takes over, reads are passed on as 'data'
 * events (copied: the buffer is reused), which is what node-postgres's handshake listens to.
 */
function directReadSocket(): { socket: Socket; deliver: { to: (chunk: Buffer) => void } } {
  const buffer = Buffer.allocUnsafe(64 * 1024);
  const deliver = { to: (chunk: Buffer) => socket.emit('data', Buffer.from(chunk)) };
  // Node 20 takes `onread` in the constructor too; its type declarations only list it for connect().
  const options = { onread: { buffer, callback: (bytes: number) => deliver.to(buffer.subarray(0, bytes)) } };
  const socket: Socket = new Socket(options as ConstructorParameters<typeof Socket>[0]);
  return { socket, deliver };
}

/**
 * One client connection for the load's hot path. node-postgres opens it (TLS, SCRAM) and
 * prepares the scripts with PREPARE; after that each call is a single pre-built
 * Bind/Execute/Sync write with the id patched in, and the reader only looks for
 * ErrorResponse and ReadyForQuery. Per call this costs a fraction of a full client's CPU,
 * which on a small machine is CPU the database under test gets back.
 */
export class WireSession {
  private readonly templates = new Map<ScriptName, { buffer: Buffer; idOffset: number }>();
  private pending: ((error: CallError | undefined) => void) | undefined;
  private error: CallError | undefined;
  private buffered: Buffer = noBytes;
  private closed = false;
  /** ReadyForQuery's transaction status: I idle, T in a transaction, E in a failed one. */
  transactionStatus = 'I';
  inFlightSince = 0;

  private constructor(
    private readonly client: pg.Client,
    private readonly socket: Socket,
    deliver: { to: (chunk: Buffer) => void },
    scripts: readonly ScriptName[],
    listen: boolean,
  ) {
    for (const s of scripts) this.templates.set(s, callTemplate(`sm_${s}`));
    socket.removeAllListeners('data');
    deliver.to = (chunk) => this.onData(chunk);
    // A TLS socket decrypts into 'data' events: the direct reads see only ciphertext.
    if (listen) socket.on('data', (chunk: Buffer) => deliver.to(chunk));
    socket.on('close', () => this.fail(new CallError('connection closed', 'ECONNRESET')));
    socket.on('error', () => {});
  }

  static async open(
    target: SessionTarget,
    scripts: readonly ScriptName[],
    connectTimeoutMillis: number,
    programs: readonly ScriptProgram[] = [],
  ): Promise<WireSession> {
    const ssl = tlsConnectionOptions(target.tls, target.host);
    const { socket, deliver } = ssl
      ? { socket: new Socket(), deliver: { to: noDelivery } }
      : directReadSocket();
    const { tls: _tls, ...connection } = target;
    const client = new pg.Client({
      ...connection,
      stream: () => socket,
      ...(target.password === undefined ? { password: undefined } : {}),
      ...(ssl ? { ssl } : {}),
      connectionTimeoutMillis: connectTimeoutMillis,
      application_name: 'shardmove-load',
    });
    client.on('error', () => {});
    try {
      await client.connect();
      for (const s of new Set(scripts)) {
        await client.query(`prepare sm_${s} (int) as ${scriptCatalog[s].sql}`);
      }
      for (const [i, program] of programs.entries()) {
        const sql = program.commands.filter((c) => c.kind === 'sql');
        for (const [j, c] of sql.entries())
          await client.query(`prepare ${programStatement(i, j)} as ${c.text}`);
      }
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    // With TLS, node-postgres replaced its stream by the TLS socket over ours: calls go there.
    const wire = ssl ? (client as unknown as { connection: { stream: Socket } }).connection.stream : socket;
    return new WireSession(client, wire, deliver, scripts, ssl !== undefined);
  }

  /**
   * Sends one call; `onReply` gets undefined or the error once it is over. A callback, not
   * a promise: at thousands of calls a second on a small machine, a promise and an await per
   * call are CPU the database under test does not get.
   */
  send(script: ScriptName, id: number, onReply: (error: CallError | undefined) => void): void {
    if (this.closed) {
      onReply(new CallError('connection closed', 'ECONNRESET'));
      return;
    }
    const template = this.templates.get(script);
    if (!template) {
      onReply(new CallError(`script ${script} not prepared`, undefined));
      return;
    }
    // Only one call is ever in flight, and its write left long ago: the buffer can be reused.
    template.buffer.writeInt32BE(id, template.idOffset);
    this.inFlightSince = performance.now();
    this.pending = onReply;
    this.socket.write(template.buffer);
  }

  /** One prepared statement of a user script, with its parameters as text. */
  sendStatement(
    statement: string,
    params: readonly string[],
    onReply: (error: CallError | undefined) => void,
  ): void {
    if (this.closed) {
      onReply(new CallError('connection closed', 'ECONNRESET'));
      return;
    }
    this.inFlightSince = performance.now();
    this.pending = onReply;
    this.socket.write(textCall(statement, params));
  }

  callStatement(statement: string, params: readonly string[]): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      this.sendStatement(statement, params, (error) => (error ? reject(error) : resolve())),
    );
  }

  /** Ends a user script's transaction that an error left open, as pgbench does before the next one. */
  rollback(): Promise<void> {
    const sql = Buffer.from('ROLLBACK\0');
    const parse = Buffer.alloc(5);
    parse.write('P', 0);
    parse.writeInt32BE(4 + 1 + sql.length + 2, 1);
    const message = Buffer.concat([parse, Buffer.from([0]), sql, Buffer.from([0, 0]), textCall('', [])]);
    return new Promise<void>((resolve) => {
      if (this.closed) return resolve();
      this.inFlightSince = performance.now();
      this.pending = () => resolve();
      this.socket.write(message);
    });
  }

  call(script: ScriptName, id: number): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      this.send(script, id, (error) => (error ? reject(error) : resolve())),
    );
  }

  private onData(chunk: Buffer): void {
    let data = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    let offset = 0;
    while (data.length - offset >= 5) {
      const type = data[offset];
      const length = data.readInt32BE(offset + 1);
      if (data.length - offset < 1 + length) break;
      if (type === 0x45) this.error = parseError(data, offset + 5, offset + 1 + length);
      else if (type === 0x5a) {
        this.transactionStatus = String.fromCharCode(data[offset + 5] ?? 0x49);
        this.settle();
      }
      offset += 1 + length;
    }
    data = data.subarray(offset);
    this.buffered = data.length ? Buffer.from(data) : noBytes;
  }

  private settle(): void {
    const pending = this.pending;
    const error = this.error;
    this.pending = undefined;
    this.error = undefined;
    this.inFlightSince = 0;
    pending?.(error);
  }

  private fail(error: CallError): void {
    this.closed = true;
    const pending = this.pending;
    this.pending = undefined;
    this.inFlightSince = 0;
    pending?.(error);
  }

  /** Gives up on the connection (a call timed out, or the run is over). */
  destroy(reason?: CallError): void {
    if (reason) this.fail(reason);
    this.closed = true;
    this.socket.destroy();
    void this.client.end().catch(() => {});
  }
}

/** ErrorResponse fields: type byte, then a NUL-terminated string, until a zero byte. */
function parseError(data: Buffer, start: number, end: number): CallError {
  let code: string | undefined;
  let message = 'server error';
  let i = start;
  while (i < end && data[i] !== 0) {
    const field = data[i];
    const stop = data.indexOf(0, i + 1);
    const value = data.toString('utf8', i + 1, stop);
    if (field === 0x43) code = value;
    else if (field === 0x4d) message = value;
    i = stop + 1;
  }
  return new CallError(message, code);
}
