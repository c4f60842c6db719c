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

/** The roles one address holds in the directory, in the order they are offered: a link worker first, then organisations by name. */
export function rolesInOrder<T extends { kind: string; name: string }>(people: T[]): T[] {
  return [...people].sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'link-worker' ? -1 : 1));
}

/** Which directory person an address signs in as when it belongs to several (the first role; the others are a switch away). */
export function choosePerson<T extends { kind: string; name: string }>(people: T[]): T | undefined {
  return rolesInOrder(people)[0];
}

/** A role as a form names it ("kind:id"). */
export function roleValue(role: { kind: string; id: string }): string {
  return `${role.kind}:${role.id}`;
}

/** The role a switch form chose, if it is one of the address's own roles; anything else is refused. */
export function chosenRole<T extends { kind: string; id: string }>(value: unknown, roles: readonly T[]): T | undefined {
  return typeof value === 'string' ? roles.find((role) => roleValue(role) === value) : undefined;
}
