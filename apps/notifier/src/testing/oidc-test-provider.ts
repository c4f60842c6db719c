import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './notifier-test-app';

/** The provider's one client, as the notifier under test is configured (OIDC_CLIENT_ID, OIDC_CLIENT_SECRET). */
export const OIDC_TEST_CLIENT = { clientId: 'social-prescribing-test', clientSecret: 'test-only-client-secret' };

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/**
 * Starts oidc-provider (oidc-provider.mjs beside this file) as a child `node` process on a free loopback
 * port, with one confidential client whose only redirect URI is the given one.
 */
export async function startOidcProvider(options: { redirectUri: string; port?: number }): Promise<TestOidcProvider> {
  const port = options.port ?? (await freePort());
  const { clientId, clientSecret } = OIDC_TEST_CLIENT;
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, 'oidc-provider.mjs')], {
    env: { ...process.env, OIDC_TEST_PORT: String(port), OIDC_TEST_CLIENT_ID: clientId, OIDC_TEST_CLIENT_SECRET: clientSecret, OIDC_TEST_REDIRECT_URI: options.redirectUri },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errorOutput = '';
  child.stderr?.on('data', (chunk) => (errorOutput += String(chunk)));
  const issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`oidc-provider did not start within 15 s: ${errorOutput}`)), 15_000);
    child.stdout?.on('data', (chunk) => {
      const ready = /ready (\S+)/.exec(String(chunk));
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`oidc-provider exited (${code}): ${errorOutput}`));
    });
  });
  return {
    issuer,
    clientId,
    clientSecret,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
