import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const RUN_TYPESCRIPT = join(__dirname, '../../../../apps/notifier/src/testing/run-typescript.js');

describe('asynchronous logging to standard output', () => {
  it('loses no line when the process exits straight after logging, and redacts the patient in every one', () => {
    const lines = 5000;
    const child = spawnSync(process.execPath, [RUN_TYPESCRIPT, join(__dirname, 'testing/log-and-exit.ts'), String(lines)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(child.status).toBe(0);
    const logged = child.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { line: number; patient: unknown; notes: unknown });
    expect(logged.map((entry) => entry.line)).toEqual(Array.from({ length: lines }, (_, index) => index));
    expect(child.stdout).not.toContain('9434765919');
    expect(child.stdout).not.toContain('Margaret');
    expect(child.stdout).not.toContain('Widowed');
    expect(logged[0]).toMatchObject({ patient: '[REDACTED]', notes: '[REDACTED]' });
  });
});
