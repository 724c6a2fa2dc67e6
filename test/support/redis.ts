/**
 * A real, throw-away `redis-server` for tests: started on a free 127.0.0.1 port in a temp dir, with
 * no persistence, and stopped at the end. It can be stopped and started again on the same port
 * ("Redis is down for 1 s") and paused (every client command waits, as on a hung server).
 *
 * Nothing here mocks Redis: the binary comes from the Debian package (`bash scripts/redis.sh`).
 *
 * @example
 * ```ts
 * const redis = await startRedis();
 * try { useUrl(redis.url); await redis.down(1_000); } finally { await redis.stop(); }
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOST = '127.0.0.1';
const INSTALL_HINT = 'redis-server was not found on PATH; run `bash scripts/redis.sh` first (it installs the Debian package)';

/** A running test Redis. */
export interface TestRedis {
  readonly host: typeof HOST;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** True while the server process is up (between {@link kill} and {@link start} it is not). */
  readonly running: boolean;
  /** Stops the server for good and removes its temp dir. Harmless when called twice. */
  stop(): Promise<void>;
  /** Stops the server (SIGKILL, like a crash) but keeps its port and dir, for {@link start}. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** Kills the server, waits `ms`, starts it again. */
  down(ms: number): Promise<void>;
  /** Makes the server hold every client command for `ms` (`CLIENT PAUSE ms ALL`): a hung server. */
  pause(ms: number): Promise<void>;
  /** Sends one command over a fresh connection and returns the raw RESP reply. */
  command(...args: string[]): Promise<string>;
}

/**
 * Starts a `redis-server` on a free loopback port with `--save '' --appendonly no` and waits until
 * it answers PING. Rejects with a hint to run `bash scripts/redis.sh` when the binary is missing.
 */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'rbt-redis-'));
  let lastError: unknown;
  // The free port is found by binding port 0 and closing it; another process could take it in
  // between, so a failed start is retried on a new port a few times.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const server = new RedisProcess(port, dir);
    try {
      await server.start();
      return server;
    } catch (err) {
      lastError = err;
      await server.kill();
      if (err instanceof Error && err.message === INSTALL_HINT) break;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

const live = new Set<ChildProcess>();
// Servers must not outlive a test worker that crashes or exits without stopping them.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

class RedisProcess implements TestRedis {
  readonly host = HOST;
  readonly url: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {
    this.url = `redis://${HOST}:${port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    if (this.stopped) throw new Error('startRedis: this server was stopped for good; start a new one');
    if (this.child) return;
    const args = [
      '--port', String(this.port),
      '--bind', HOST,
      '--save', '',
      '--appendonly', 'no',
      '--dir', this.dir,
      '--daemonize', 'no',
      '--protected-mode', 'yes',
      '--loglevel', 'warning',
      '--logfile', '',
    ];
    const child = spawn('redis-server', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.child = child;
    live.add(child);
    let exitInfo: string | undefined;
    let spawnError: Error | undefined;
    this.exited = new Promise<void>((resolve) => {
      child.once('error', (err: NodeJS.ErrnoException) => {
        spawnError = err.code === 'ENOENT' ? new Error(INSTALL_HINT) : err;
        resolve();
      });
      child.once('exit', (code, signal) => {
        exitInfo = `exited with ${signal ?? `code ${code}`}`;
        resolve();
      });
    }).then(() => {
      live.delete(child);
      if (this.child === child) this.child = undefined;
    });

    const deadline = Date.now() + 10_000;
    for (;;) {
      if (spawnError) throw spawnError;
      if (exitInfo) throw new Error(`startRedis: redis-server on port ${this.port} ${exitInfo} before answering PING:\n${output}`);
      if (await ping(this.port)) return;
      if (Date.now() > deadline) throw new Error(`startRedis: redis-server on port ${this.port} did not answer PING within 10 s:\n${output}`);
      await sleep(20);
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const child = this.child;
    if (child) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  async down(ms: number): Promise<void> {
    await this.kill();
    await sleep(ms);
    await this.start();
  }

  async pause(ms: number): Promise<void> {
    const reply = await this.command('CLIENT', 'PAUSE', String(Math.round(ms)), 'ALL');
    if (!reply.startsWith('+OK')) throw new Error(`CLIENT PAUSE failed: ${reply}`);
  }

  command(...args: string[]): Promise<string> {
    return rawCommand(this.port, args);
  }
}

/** A port that was free on 127.0.0.1 a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('freePort: no port assigned'))));
    });
  });
}

async function ping(port: number): Promise<boolean> {
  try {
    return (await rawCommand(port, ['PING'], 500)).startsWith('+PONG');
  } catch {
    return false;
  }
}

/** One RESP command over a fresh connection; resolves with the first reply line(s) received. */
function rawCommand(port: number, args: readonly string[], timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: HOST, port });
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis command ${args[0]} on port ${port} timed out`));
    }, timeoutMs);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply);
    };
    socket.once('error', finish);
    socket.once('connect', () => {
      const body = args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
      socket.write(`*${args.length}\r\n${body}`);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.endsWith('\r\n')) finish();
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
