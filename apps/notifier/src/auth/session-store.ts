import type { Session } from 'fastify';
import type { SessionStore } from '@fastify/session';
import { AuthStore } from './auth.store';
import { sessionIsLive, sha256 } from './sign-in-rules';
import type { PersonKind } from './workspace-user';

declare module 'fastify' {
  interface Session {
    /** Set at sign-in: who this session belongs to. */
    person?: { kind: PersonKind; id: string; email: string };
    /** The CSRF secret (@fastify/csrf-protection). */
    _csrf?: string;
    /** Single sign-on in progress: what the callback must match. */
    oidc?: { state: string; nonce: string; codeVerifier: string };
    /** Marks a session read from the store, so a save after sign-out elsewhere cannot bring it back. */
    persisted?: boolean;
  }
}

/** Session fields that are columns or bookkeeping rather than `data`. */
const NOT_DATA = new Set(['cookie', 'person', 'persisted', 'sessionId', 'encryptedSessionId']);

/**
 * @fastify/session's store over notifier.workspace_session. Ids are stored hashed; a session idle for
 * WORKSPACE_SESSION_IDLE_SECONDS or older than WORKSPACE_SESSION_MAX_SECONDS is deleted when next seen,
 * whatever the cookie says; each read counts as activity.
 */
export class PostgresSessionStore implements SessionStore {
  constructor(
    private readonly store: AuthStore,
    private readonly limits: { idleSeconds: number; maxSeconds: number },
    private readonly now: () => Date = () => new Date(),
  ) {}

  get(sessionId: string, callback: (error: unknown, session?: Session | null) => void): void {
    this.read(sessionId).then(
      (session) => callback(null, session),
      (error) => callback(error),
    );
  }

  set(sessionId: string, session: Session, callback: (error?: unknown) => void): void {
    this.write(sessionId, session).then(
      () => callback(),
      (error) => callback(error),
    );
  }

  destroy(sessionId: string, callback: (error?: unknown) => void): void {
    this.store.deleteSession(sha256(sessionId)).then(
      () => callback(),
      (error) => callback(error),
    );
  }

  private async read(sessionId: string): Promise<Session | null> {
    const idHash = sha256(sessionId);
    const stored = await this.store.findSession(idHash);
    if (!stored) return null;
    const now = this.now();
    if (!sessionIsLive(stored, now, this.limits)) {
      await this.store.deleteSession(idHash);
      return null;
    }
    await this.store.touchSession(idHash, now);
    const person = stored.personKind && stored.personId ? { kind: stored.personKind, id: stored.personId, email: stored.email ?? '' } : undefined;
    return { ...stored.data, ...(person ? { person } : {}), persisted: true } as unknown as Session;
  }

  private async write(sessionId: string, session: Session): Promise<void> {
    const idHash = sha256(sessionId);
    const data = Object.fromEntries(Object.entries(session).filter(([key, value]) => !NOT_DATA.has(key) && typeof value !== 'function'));
    const write = { person: session.person ?? null, data };
    if (session.persisted) {
      await this.store.updateSession(idHash, write, this.now());
      return;
    }
    await this.store.insertSession(idHash, write, this.now());
    session.persisted = true;
  }
}
