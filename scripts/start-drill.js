#!/usr/bin/env node
/*
 * The `npm start` drill: starts the whole system through npm, as a developer does, on a database that does
 * not exist yet, checks that every link the banner prints opens, stops it with a signal sent to npm and
 * checks that every service process is gone. `node scripts/start-drill.js [runs]` repeats it (default 10
 * runs, alternating SIGTERM and SIGINT) and exits non-zero on the first failure. test/start.int-spec.ts uses
 * the same `startOnce`.
 */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A running process's arguments, from /proc (Linux); undefined when it is not running. */
function commandLine(pid) {
  if (!pid) return undefined;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** The pid each service wrote on its first log line. */
function servicePid(logFile) {
  if (!fs.existsSync(logFile)) return undefined;
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    try {
      const record = JSON.parse(line);
      if (record.pid) return record.pid;
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

/**
 * A fresh environment for one run: a database name nobody created, a Redis key prefix of its own, free
 * ports, and a temporary directory for logs and mail.
 */
async function drillEnvironment(base = process.env) {
  const id = randomBytes(5).toString('hex');
  const admin = new URL(base.TEST_DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  const database = new URL(admin);
  database.pathname = `/sp_start_${id}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-drill-'));
  const { PORT: _ignored, ...env } = base;
  return {
    id,
    dir,
    adminUrl: admin.toString(),
    databaseName: `sp_start_${id}`,
    env: {
      ...env,
      DATABASE_URL: database.toString(),
      REDIS_URL: base.TEST_REDIS_URL || base.REDIS_URL || 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `{sp-start-${id}}`,
      INTAKE_PORT: String(await freePort()),
      NOTIFIER_PORT: String(await freePort()),
      OUTCOMES_PORT: String(await freePort()),
      LOG_DIR: path.join(dir, 'log'),
      MAIL_DIR: path.join(dir, 'mail'),
      LOG_LEVEL: 'info',
    },
  };
}

/**
 * `npm start` once. Resolves when npm has exited: whether the banner appeared, the status of each link it
 * printed, the services' pids and command lines, whether each of them is gone, npm's exit code and everything
 * it printed.
 */
function startOnce({ env, stopWith = 'SIGTERM', readyTimeoutMs = 120_000, stopTimeoutMs = 40_000 }) {
  return new Promise((resolve) => {
    const npm = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const result = { started: false, links: [], servicePids: {}, serviceCommands: {}, exitCode: null, exitSignal: null, stoppedAll: false, output: '' };
    let settled = false;
    const startedAt = Date.now();
    const readyTimer = setTimeout(() => npm.kill('SIGKILL'), readyTimeoutMs);
    npm.stdout.on('data', async (chunk) => {
      output += chunk;
      if (result.started || !output.includes('Stop with Ctrl+C')) return;
      result.started = true;
      result.startMs = Date.now() - startedAt;
      clearTimeout(readyTimer);
      const adminKey = env.NOTIFIER_ADMIN_API_KEY || 'dev-notifier-admin-key';
      for (const url of new Set(output.match(/http:\/\/localhost:\d+\/[^\s)]*/g) ?? [])) {
        if (url.includes('<')) continue;
        // The queue dashboard asks for the admin key (as a browser would be asked): give it, as its user would.
        const headers = url.endsWith('/admin/queues') ? { authorization: `Basic ${Buffer.from(`admin:${adminKey}`).toString('base64')}` } : {};
        const response = await fetch(url, { headers }).catch((error) => ({ status: String(error.message) }));
        result.links.push({ url, status: response.status });
      }
      for (const service of ['referral-intake', 'notifier', 'outcomes']) {
        result.servicePids[service] = servicePid(path.join(env.LOG_DIR, `${service}.log`));
        result.serviceCommands[service] = commandLine(result.servicePids[service]);
      }
      npm.kill(stopWith);
      setTimeout(() => npm.kill('SIGKILL'), stopTimeoutMs).unref();
    });
    npm.stderr.on('data', (chunk) => (output += chunk));
    npm.on('exit', async (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(readyTimer);
      result.exitCode = code;
      result.exitSignal = signal;
      // The services may still be finishing their shutdown for a moment after npm exits.
      const pids = Object.values(result.servicePids).filter(Boolean);
      const deadline = Date.now() + 5000;
      while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      result.stoppedAll = pids.length === 3 && !pids.some(alive);
      result.output = output;
      resolve(result);
    });
  });
}

async function dropDatabase(adminUrl, name) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await client.end();
}

async function dropRedisPrefix(url, prefix) {
  const IORedis = require('ioredis');
  const redis = new IORedis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}

async function cleanUp(drill) {
  await dropDatabase(drill.adminUrl, drill.databaseName);
  await dropRedisPrefix(drill.env.REDIS_URL, drill.env.REDIS_PREFIX);
  fs.rmSync(drill.dir, { recursive: true, force: true });
}

async function main() {
  const runs = Number(process.argv[2] || 10);
  for (let run = 1; run <= runs; run += 1) {
    const drill = await drillEnvironment();
    const stopWith = run % 2 === 1 ? 'SIGTERM' : 'SIGINT';
    const result = await startOnce({ env: drill.env, stopWith });
    const linksOk = result.links.length >= 4 && result.links.every((link) => link.status === 200);
    const ok = result.started && linksOk && result.stoppedAll && result.exitCode === 0;
    process.stdout.write(
      `run ${run}/${runs} on new database ${drill.databaseName}: ${ok ? 'ok' : 'FAILED'} ` +
        `(ready in ${result.startMs ?? '-'} ms; links ${result.links.map((link) => `${new URL(link.url).port}${new URL(link.url).pathname}=${link.status}`).join(' ')}; ` +
        `${stopWith} to npm -> exit ${result.exitCode ?? result.exitSignal}, services ${result.stoppedAll ? 'all stopped' : 'NOT all stopped'})\n`,
    );
    if (!ok) {
      process.stdout.write(`${result.output}\n`);
      for (const service of ['referral-intake', 'notifier', 'outcomes']) {
        const file = path.join(drill.env.LOG_DIR, `${service}.log`);
        if (fs.existsSync(file)) process.stdout.write(`--- ${service}.log (last lines)\n${fs.readFileSync(file, 'utf8').split('\n').slice(-15).join('\n')}\n`);
      }
      await cleanUp(drill);
      process.exit(1);
    }
    await cleanUp(drill);
  }
  process.stdout.write(`npm start succeeded ${runs} times in a row, each on a new database.\n`);
}

module.exports = { startOnce, drillEnvironment, cleanUp, freePort };

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(1);
  });
}
