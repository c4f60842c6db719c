import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { sleep } from './stats';

/** The compiled tree `npm run bench` runs (tsconfig.bench.json). */
export const BENCH_DIST = join(__dirname, '..');

/** The Node options our services are deployed with: plain JavaScript in scripts/, shared with `npm start`. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const SERVICE_NODE_OPTIONS = (require(join(BENCH_DIST, '..', 'scripts', 'service-node-options.js')) as { SERVICE_NODE_OPTIONS: string[] }).SERVICE_NODE_OPTIONS;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A service under test, as its own OS process: its CPU and memory are its own, as when deployed. */
export class ServiceProcess {
  private stderr = '';
  private exited = false;
  private peakRssMb = 0;

  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
    child.once('exit', () => (this.exited = true));
  }

  /**
   * Starts `script` (relative to the compiled tree) with PORT set, and waits until /health answers. Our
   * services are given SERVICE_NODE_OPTIONS, as deployed; the minimal intake runs with Node's defaults.
   */
  static async start(name: string, script: string, env: Record<string, string>, nodeOptions: readonly string[] = SERVICE_NODE_OPTIONS): Promise<ServiceProcess> {
    const port = await freePort();
    // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/profiles", to see where a service spends its time.
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeOptions, ...nodeArgs, join(BENCH_DIST, script)], {
      cwd: join(BENCH_DIST, '..'),
      env: { ...process.env, ...env, PORT: String(port) },
      // Services log at info as deployed; what they write costs what it costs, and goes nowhere.
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const service = new ServiceProcess(name, `http://127.0.0.1:${port}`, child);
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (service.exited) throw new Error(`${name} exited during start: ${service.stderr}`);
      if (Date.now() > deadline) throw new Error(`${name} did not answer /health within 120 s: ${service.stderr}`);
      const ok = await fetch(`${service.url}/health`).then((response) => response.ok, () => false);
      if (ok) return service;
      await sleep(250);
    }
  }

  /** Resident set size now, in MB (Linux /proc). */
  rssMb(): number {
    if (this.exited || this.child.pid === undefined) return NaN;
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    const mb = kb / 1024;
    this.peakRssMb = Math.max(this.peakRssMb, mb);
    return mb;
  }

  /** The largest RSS seen by rssMb() since the last reset. */
  peak(): number {
    return this.peakRssMb;
  }

  resetPeak(): void {
    this.peakRssMb = 0;
  }

  cpuSeconds(): number {
    if (this.exited || this.child.pid === undefined) return NaN;
    const fields = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timeout = sleep(20_000).then(() => 'timeout');
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      this.child.kill('SIGKILL');
      await exited;
    }
  }
}

/** Samples every service's RSS every 250 ms until stopped, so the peaks under load are seen. */
export function sampleMemory(services: ServiceProcess[]): () => void {
  for (const service of services) service.resetPeak();
  const timer = setInterval(() => {
    for (const service of services) service.rssMb();
  }, 250);
  return () => clearInterval(timer);
}
