import { createHash, randomBytes } from 'node:crypto';

/** Sign-in tokens are 32 random bytes, base64url in the link (43 characters). */
export const SIGN_IN_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newSignInToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Tokens and session ids are stored only as their SHA-256: a copy of the table signs nobody in. */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Addresses are matched case-insensitively, ignoring surrounding spaces. */
export function normaliseEmail(input: unknown): string {
  return typeof input === 'string' ? input.trim().toLowerCase() : '';
}

/** Deliberately loose (the directory holds the real addresses): catches typing slips, not every RFC case. */
export function emailProblem(email: string): string | undefined {
  if (!email) return 'Enter your email address';
  if (email.length > 254 || !/^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:".]{2,}$/.test(email)) {
    return 'Enter an email address in the correct format, like name@example.nhs.uk';
  }
  return undefined;
}

/** Whether a session is still usable: both limits are enforced by the server, whatever the cookie says. */
export function sessionIsLive(session: { createdAt: Date; lastSeenAt: Date }, now: Date, limits: { idleSeconds: number; maxSeconds: number }): boolean {
  return now.getTime() - session.lastSeenAt.getTime() < limits.idleSeconds * 1000 && now.getTime() - session.createdAt.getTime() < limits.maxSeconds * 1000;
}

/** Which directory person an address signs in as when it belongs to several: a link worker first, then organisations by name. */
export function choosePerson<T extends { kind: string; name: string }>(people: T[]): T | undefined {
  return [...people].sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'link-worker' ? -1 : 1))[0];
}
