#!/usr/bin/env node
/*
 * `npm start`: the whole system on one machine. Installs dependencies when they are missing, builds, starts
 * the three services (each creates the database and its schema if missing and runs its migrations at boot,
 * taking turns through PostgreSQL advisory locks), waits until each is ready and prints where to look.
 * Plain JavaScript so that it runs before anything is installed.
 *
 * Stopping: Ctrl+C, SIGTERM or SIGHUP to npm (package.json `exec`s this script, so npm's signal reaches us
 * rather than an intermediate shell) stops every service gracefully and waits for them. The services run in
 * their own process group, so a Ctrl+C reaches them only through us, once. If npm itself is killed outright,
 * we notice that our parent changed and stop them as well.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { SERVICE_NODE_OPTIONS } = require('./service-node-options');

const root = path.resolve(__dirname, '..');
const logDir = path.resolve(root, process.env.LOG_DIR || path.join('var', 'log'));
const mailDir = process.env.MAIL_DIR || path.join('var', 'mail');
const READY_TIMEOUT_MS = Number(process.env.START_READY_TIMEOUT_MS || 90_000);
const STOP_TIMEOUT_MS = 30_000;

const services = [
  { name: 'referral-intake', portVariable: 'INTAKE_PORT', defaultPort: 3000, what: 'referral API for GP systems' },
  { name: 'notifier', portVariable: 'NOTIFIER_PORT', defaultPort: 3001, what: 'directory, tasks, accept/decline pages' },
  { name: 'outcomes', portVariable: 'OUTCOMES_PORT', defaultPort: 3002, what: 'feeds, reports, research extract' },
];

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** Ports come from INTAKE_PORT, NOTIFIER_PORT and OUTCOMES_PORT: one PORT cannot serve three services. */
function resolvePorts(env) {
  if (env.PORT !== undefined && env.PORT !== '') {
    fail(
      `npm start runs three services, so a single PORT (${env.PORT}) cannot apply. ` +
        `Set INTAKE_PORT, NOTIFIER_PORT and OUTCOMES_PORT instead (defaults 3000, 3001, 3002), and unset PORT.`,
    );
  }
  const resolved = services.map((service) => {
    const raw = env[service.portVariable];
    const port = raw === undefined || raw === '' ? service.defaultPort : Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${service.portVariable} must be a port number (1-65535), not "${raw}".`);
    return { ...service, port };
  });
  const ports = resolved.map((service) => service.port);
  if (new Set(ports).size !== ports.length) fail(`INTAKE_PORT, NOTIFIER_PORT and OUTCOMES_PORT must differ (got ${ports.join(', ')}).`);
  return resolved;
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`\n${command} ${args.join(' ')} failed (exit ${result.status}).\n`);
    process.exit(result.status || 1);
  }
}

/** `npm ci` on a fresh clone; `npm install` (which keeps what is installed) when the lock file changed since. */
function installCommand() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  if (!fs.existsSync(marker)) return ['ci', '--no-audit', '--no-fund'];
  if (fs.statSync(path.join(root, 'package-lock.json')).mtimeMs > fs.statSync(marker).mtimeMs) return ['install', '--no-audit', '--no-fund'];
  return undefined;
}

const buildStamp = path.join(root, 'dist', '.built');

function newestSource(directory) {
  let newest = 0;
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (/\.(ts|json)$/.test(entry.name)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds when anything compiled has changed since the last build (a fresh clone always builds). */
function needsBuild() {
  if (!fs.existsSync(buildStamp)) return true;
  const built = fs.statSync(buildStamp).mtimeMs;
  const sources = ['apps', 'libs', 'scripts'].map((dir) => newestSource(path.join(root, dir)));
  const configs = ['package-lock.json', 'tsconfig.json', 'tsconfig.build.json'].map((file) => fs.statSync(path.join(root, file)).mtimeMs);
  return Math.max(...sources, ...configs) > built;
}

/** Each run starts a fresh log; the previous run's is kept beside it as <service>.previous.log. */
function freshLogFile(service) {
  const logFile = path.join(logDir, `${service}.log`);
  if (fs.existsSync(logFile)) fs.renameSync(logFile, path.join(logDir, `${service}.previous.log`));
  return logFile;
}

async function ready(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function opens(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status === 200;
  } catch {
    return false;
  }
}

async function main() {
  const resolved = resolvePorts(process.env);
  const install = installCommand();
  if (install) {
    console.log(`Installing dependencies (npm ${install[0]})...`);
    run('npm', install);
  }
  if (needsBuild()) {
    console.log('Building...');
    run('npm', ['run', '--silent', 'build']);
    fs.writeFileSync(buildStamp, new Date().toISOString());
  }
  fs.mkdirSync(logDir, { recursive: true });

  let stopping = false;
  const children = resolved.map((service) => {
    const logFile = freshLogFile(service.name);
    const { PORT: _unused, ...inherited } = process.env;
    const child = spawn(process.execPath, [...SERVICE_NODE_OPTIONS, path.join(root, 'dist', 'apps', service.name, 'src', 'main.js')], {
      cwd: root,
      // A developer machine: the development default secrets are accepted (production refuses them).
      env: { MAIL_DIR: mailDir, NODE_ENV: 'development', ...inherited, PORT: String(service.port), LOG_FILE: logFile },
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.on('exit', (code, signal) => {
      if (!stopping) {
        process.stderr.write(`${service.name} stopped (${signal || `exit ${code}`}); stopping the others. Its log: ${logFile}\n`);
        stop(1);
      }
    });
    return { ...service, child, exited, logFile };
  });

  function stop(code) {
    if (stopping) return;
    stopping = true;
    const running = children.filter((c) => c.child.exitCode === null && c.child.signalCode === null);
    if (running.length) process.stdout.write(`Stopping ${running.map((c) => c.name).join(', ')}...\n`);
    for (const c of running) c.child.kill('SIGTERM');
    const force = setTimeout(() => {
      for (const c of running) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    Promise.all(children.map((c) => c.exited)).then(() => {
      clearTimeout(force);
      process.exit(code);
    });
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(0));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop(0);
  }, 1000).unref();

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const service of children) {
    while (!(await ready(service.port))) {
      if (stopping) return;
      if (Date.now() > deadline) {
        process.stderr.write(`${service.name} is not ready on port ${service.port} after ${READY_TIMEOUT_MS / 1000} s; see ${service.logFile}\n`);
        return stop(1);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  // Each service's API documentation, or its readiness report for a service that does not serve /docs.
  for (const service of children) service.link = (await opens(`http://127.0.0.1:${service.port}/docs`)) ? '/docs' : '/health/ready';
  const line = (s) => `  ${s.name.padEnd(16)} http://localhost:${s.port}${s.link}  (${s.what}; ${s.portVariable})`;
  console.log(
    [
      '',
      'Social prescribing referral backbone is running:',
      ...children.map(line),
      '',
      `  health:  http://localhost:<port>/health/ready   metrics: http://localhost:<port>/metrics (from this machine)`,
      `  queues:  http://localhost:${children[1].port}/admin/queues (admin key as the password)`,
      `  mail:    ${process.env.SMTP_URL ? `sent through ${process.env.SMTP_URL.replace(/\/\/[^@]*@/, '//***@')}` : `no SMTP_URL set, so each message is written as an .eml file under ${path.resolve(root, mailDir)}`}`,
      `  logs:    ${logDir}/<service>.log (JSON, one line per event; the previous run's in <service>.previous.log)`,
      '',
      '  In another terminal: npm run demo   (posts sample referrals and follows them)',
      '  Stop with Ctrl+C.',
      '',
    ].join('\n'),
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
