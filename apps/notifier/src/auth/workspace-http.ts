import fastifyCookie from '@fastify/cookie';
import fastifyCsrfProtection from '@fastify/csrf-protection';
import fastifySession from '@fastify/session';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { NotifierEnvironment } from '../environment';
import { AuthPageFilter } from './auth-page.filter';
import { AuthStore } from './auth.store';
import { PostgresSessionStore } from './session-store';

/** `__Host-` binds the cookie to this exact origin over https (no Domain, path /, Secure). */
export function sessionCookieName(env: NotifierEnvironment): string {
  return isHttps(env) ? '__Host-workspace-session' : 'workspace-session';
}

function isHttps(env: NotifierEnvironment): boolean {
  return env.PUBLIC_BASE_URL.startsWith('https:');
}

/**
 * Server-side sessions in Postgres and CSRF tokens bound to them. The cookie holds only the signed
 * session id; it has no Max-Age (it ends with the browser) because the server enforces both limits.
 * Sessions are created only when something is stored in them (a form token, a sign-in), never for API calls.
 */
export async function registerWorkspaceSessions(app: NestFastifyApplication, env: NotifierEnvironment): Promise<void> {
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: env.WORKSPACE_SESSION_SECRET,
    cookieName: sessionCookieName(env),
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: isHttps(env) },
    store: new PostgresSessionStore(app.get(AuthStore), { idleSeconds: env.WORKSPACE_SESSION_IDLE_SECONDS, maxSeconds: env.WORKSPACE_SESSION_MAX_SECONDS }),
    saveUninitialized: false,
    // Activity is recorded by the store on every read; re-saving an unchanged session would be a second write.
    rolling: false,
  });
  await app.register(fastifyCsrfProtection, { sessionPlugin: '@fastify/session' });
  // Registered after the shared problem+json filter, so Nest consults it first (global filters are tried
  // last-registered first); it handles only sign-in's own refusals, on any controller.
  app.useGlobalFilters(app.get(AuthPageFilter));
}
