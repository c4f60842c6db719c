#!/usr/bin/env node
/*
 * `npm start`: the whole system on one machine. Installs dependencies when they are missing, builds, starts
 * the three services (each creates its database schema and runs its migrations at boot), waits until each
 * is ready and prints where to look. Plain JavaScript so that it runs before anything is installed.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const logDir = path.join(root, 'var', 'log');
const mailDir = process.env.MAIL_DIR || path.join('var', 'mail');

const services = [
  { name: 'referral-intake', port: Number(process.env.INTAKE_PORT || 3000), extra: 'API docs: /docs' },
  { name: 'notifier', port: Number(process.env.NOTIFIER_PORT || 3001), extra: 'accept/decline pages, Notify receipts' },
  { name: 'outcomes', port: Number(process.env.OUTCOMES_PORT || 3002), extra: 'feeds, reports, research extract' },
];

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`\n${command} ${args.join(' ')} failed (exit ${result.status}).\n`);
    process.exit(result.status || 1);
  }
}

function needsInstall() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  if (!fs.existsSync(marker)) return true;
  return fs.statSync(path.join(root, 'package-lock.json')).mtimeMs > fs.statSync(marker).mtimeMs;
}

async function ready(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
    return response.ok;
  } catch {
    return false;
  }
}

async function main() {
  if (needsInstall()) {
    console.log('Installing dependencies (npm ci)...');
    run('npm', ['ci', '--no-audit', '--no-fund']);
  }
  console.log('Building...');
  run('npm', ['run', '--silent', 'build']);
  fs.mkdirSync(logDir, { recursive: true });

  const children = services.map((service) => {
    const logFile = path.join(logDir, `${service.name}.log`);
    const child = spawn(process.execPath, [path.join(root, 'dist', 'apps', service.name, 'src', 'main.js')], {
      cwd: root,
      env: { PORT: String(service.port), MAIL_DIR: mailDir, ...process.env, LOG_FILE: logFile },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('exit', (code, signal) => {
      if (!stopping) {
        process.stderr.write(`${service.name} stopped (${signal || `exit ${code}`}); stopping the others. Its log: ${logFile}\n`);
        stop(1);
      }
    });
    return { ...service, child, logFile };
  });

  let stopping = false;
  function stop(code) {
    if (stopping) return;
    stopping = true;
    const exits = children.map((c) => (c.child.exitCode === null ? new Promise((resolve) => c.child.once('exit', resolve)) : null));
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGTERM');
    Promise.all(exits).then(() => process.exit(code));
  }
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));

  const deadline = Date.now() + 60_000;
  for (const service of children) {
    while (!(await ready(service.port))) {
      if (stopping) return;
      if (Date.now() > deadline) {
        process.stderr.write(`${service.name} is not ready on port ${service.port} after 60 s; see ${service.logFile}\n`);
        return stop(1);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  const line = (s) => `  ${s.name.padEnd(16)} http://localhost:${s.port}  (${s.extra})`;
  console.log(
    [
      '',
      'Social prescribing referral backbone is running:',
      ...children.map(line),
      '',
      `  health:  http://localhost:<port>/health/ready`,
      `  mail:    ${process.env.SMTP_URL ? `sent through ${process.env.SMTP_URL.replace(/\/\/[^@]*@/, '//***@')}` : `no SMTP_URL set, so each message is written as an .eml file under ${path.resolve(root, mailDir)}`}`,
      `  logs:    ${logDir}/<service>.log (JSON, one line per event)`,
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
