import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// The drill is plain JavaScript so that it also runs as `node scripts/start-drill.js`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startOnce, drillEnvironment, cleanUp } = require('../scripts/start-drill.js') as {
  startOnce(options: { env: Record<string, string>; stopWith?: NodeJS.Signals }): Promise<{
    started: boolean;
    links: { url: string; status: number }[];
    servicePids: Record<string, number | undefined>;
    serviceCommands: Record<string, string[] | undefined>;
    exitCode: number | null;
    stoppedAll: boolean;
    output: string;
  }>;
  drillEnvironment(): Promise<{ env: Record<string, string>; databaseName: string }>;
  cleanUp(drill: unknown): Promise<void>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SERVICE_NODE_OPTIONS } = require('../scripts/service-node-options') as { SERVICE_NODE_OPTIONS: string[] };

/**
 * `npm start` as a developer runs it, through npm, on a database that does not exist yet: it comes up, the
 * banner's links open, and a signal to npm (SIGTERM, or SIGINT as Ctrl+C sends) stops all three services.
 */
describe('npm start', () => {
  const root = join(__dirname, '..');
  let drill: Awaited<ReturnType<typeof drillEnvironment>>;

  beforeAll(async () => {
    drill = await drillEnvironment();
  });

  afterAll(async () => {
    await cleanUp(drill);
  });

  it('refuses a bare PORT and names the variables to set instead', () => {
    const result = spawnSync(process.execPath, [join(root, 'scripts', 'start.js')], { cwd: root, env: { ...process.env, PORT: '4000' }, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/INTAKE_PORT, NOTIFIER_PORT and OUTCOMES_PORT/);
    expect(result.stdout).not.toContain('Building');
  });

  it('starts on a new database, prints links that open, starts fresh logs, and stops every service on SIGTERM to npm', async () => {
    mkdirSync(drill.env.LOG_DIR, { recursive: true });
    writeFileSync(join(drill.env.LOG_DIR, 'notifier.log'), '{"msg":"a line from the previous run"}\n');

    const result = await startOnce({ env: drill.env, stopWith: 'SIGTERM' });

    expect(result.output).toContain('is running');
    expect(result.started).toBe(true);
    expect([...new Set(result.links.map((link) => new URL(link.url).port))].sort()).toEqual([drill.env.INTAKE_PORT, drill.env.NOTIFIER_PORT, drill.env.OUTCOMES_PORT].sort());
    expect(result.links.filter((link) => link.status !== 200)).toEqual([]);
    // Each service's API documentation.
    expect(result.links.filter((link) => link.url.endsWith('/docs'))).toHaveLength(3);
    expect(result.links.filter((link) => link.url.endsWith('/admin/queues'))).toHaveLength(1);
    expect(Object.values(result.servicePids).every(Boolean)).toBe(true);
    // Each service runs with the Node options it is deployed with (its heap limit).
    for (const service of ['referral-intake', 'notifier', 'outcomes']) {
      expect(result.serviceCommands[service]).toEqual([process.execPath, ...SERVICE_NODE_OPTIONS, join(root, 'dist', 'apps', service, 'src', 'main.js')]);
    }
    expect(result.stoppedAll).toBe(true);
    expect(result.exitCode).toBe(0);
    expect(readFileSync(join(drill.env.LOG_DIR, 'notifier.log'), 'utf8')).not.toContain('previous run');
    expect(readFileSync(join(drill.env.LOG_DIR, 'notifier.previous.log'), 'utf8')).toContain('previous run');
  }, 240_000);

  it('starts again on the same database and stops every service on SIGINT to npm (Ctrl+C)', async () => {
    const result = await startOnce({ env: drill.env, stopWith: 'SIGINT' });
    expect(result.started).toBe(true);
    expect(result.stoppedAll).toBe(true);
    expect(result.exitCode).toBe(0);
  }, 240_000);

  it('writes a service that cannot start into its own log, and stops the others', async () => {
    const result = await startOnce({ env: { ...drill.env, SUPPRESSION_ROUNDING_BASE: '0' }, stopWith: 'SIGTERM' });
    expect(result.started).toBe(false);
    expect(result.exitCode).toBe(1);
    expect(result.output).toMatch(/outcomes stopped \(exit 1\); stopping the others/);
    const log = join(drill.env.LOG_DIR, 'outcomes.log');
    expect(existsSync(log)).toBe(true);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines.find((line) => line.level === 60)?.msg).toMatch(/outcomes did not start: .*SUPPRESSION_ROUNDING_BASE/);
  }, 240_000);
});
