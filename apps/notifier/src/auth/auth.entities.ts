import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PersonKind } from './workspace-user';

/** An emailed sign-in link: single use, short-lived, kept only as the SHA-256 of its token. */
@Entity({ schema: 'notifier', name: 'sign_in_token' })
export class SignInToken {
  @PrimaryColumn('bytea', { name: 'token_hash' })
  tokenHash: Buffer;

  @Column('text', { name: 'person_kind' })
  personKind: PersonKind;

  @Column('uuid', { name: 'person_id' })
  personId: string;

  /** The address the link was sent to (an organisation has several referral contacts). */
  @Column('text')
  email: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt: Date | null;
}

/**
 * A workspace session (server-side; the cookie holds only the signed session id). Anonymous until sign-in
 * (it then carries the CSRF secret and, for single sign-on, the OIDC state), and regenerated at sign-in.
 */
@Entity({ schema: 'notifier', name: 'workspace_session' })
export class WorkspaceSession {
  @PrimaryColumn('bytea', { name: 'id_hash' })
  idHash: Buffer;

  @Column('text', { name: 'person_kind', nullable: true })
  personKind: PersonKind | null;

  @Column('uuid', { name: 'person_id', nullable: true })
  personId: string | null;

  @Column('text', { nullable: true })
  email: string | null;

  /** Everything else the session holds: the CSRF secret, single sign-on state. Never patient data. */
  @Column('jsonb')
  data: Record<string, unknown>;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'last_seen_at' })
  lastSeenAt: Date;
}

export const AUTH_ENTITIES = [SignInToken, WorkspaceSession];
