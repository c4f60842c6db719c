import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EnvironmentError, loadEnvironment } from '@app/shared';
import { NotifierEnvironment } from '../apps/notifier/src/environment';
import { OutcomesEnvironment } from '../apps/outcomes/src/environment';
import { IntakeEnvironment } from '../apps/referral-intake/src/environment';

/**
 * Issue 9: every service must refuse to start with the development default secrets unless it is
 * explicitly in development (NODE_ENV=development, or test under Jest).
 */
const execFileAsync = promisify(execFile);

const SERVICES = [
  { service: 'referral-intake', environment: IntakeEnvironment, secrets: ['SENDER_SECRET_KEY', 'EVENT_SEALING_KEY'] },
  { service: 'notifier', environment: NotifierEnvironment, secrets: ['NOTIFIER_ADMIN_API_KEY', 'ACTION_LINK_SECRET', 'NOTIFY_CALLBACK_TOKEN', 'PERSON_DETAILS_KEY', 'EVENT_SEALING_KEY', 'WORKSPACE_SESSION_SECRET'] },
  { service: 'outcomes', environment: OutcomesEnvironment, secrets: ['PSEUDONYM_MASTER_KEY', 'EVENT_SEALING_KEY'] },
] as const;

/** A value of our own for each secret, in the form its variable requires (PERSON_DETAILS_KEY is 32 bytes in base64). */
const own = (secrets: readonly string[]) =>
  Object.fromEntries(secrets.map((name) => [name, name === 'PERSON_DETAILS_KEY' ? Buffer.alloc(32, 7).toString('base64') : `${name.toLowerCase()}-of-our-own-0123456789abcdef0123456789`]));

describe.each(SERVICES)('$service', ({ service, environment, secrets }) => {
  it('refuses every development default secret in production, naming each', () => {
    let caught: unknown;
    try {
      loadEnvironment(environment as new () => object, { NODE_ENV: 'production' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvironmentError);
    for (const name of secrets) expect((caught as EnvironmentError).problems.join('\n')).toContain(`${name}: is the development default`);
  });

  it('accepts its own secrets in production, and the defaults only in development or test', () => {
    expect(() => loadEnvironment(environment as new () => object, { NODE_ENV: 'production', ...own(secrets) })).not.toThrow();
    expect(() => loadEnvironment(environment as new () => object, { NODE_ENV: 'development' })).not.toThrow();
    expect(() => loadEnvironment(environment as new () => object, { NODE_ENV: 'test' })).not.toThrow();
  });

  it('does not start in production with a default secret: one line names it', async () => {
    const [kept, ...rest] = secrets;
    const result = await execFileAsync(process.execPath, [join(__dirname, '../apps/notifier/src/testing/run-typescript.js'), join(__dirname, `../apps/${service}/src/main.ts`)], {
      env: { PATH: process.env.PATH, NODE_ENV: 'production', ...own(rest) },
      timeout: 30_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${service} did not start`);
    expect(result.stderr).toContain(`${kept}: is the development default`);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
