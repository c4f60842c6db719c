/** Who may sign in to the workspace: a link worker, or a member of an organisation's staff. */
export type PersonKind = 'link-worker' | 'organisation';

/** A person in the directory, as sign-in finds them by email. */
export interface DirectoryPerson {
  kind: PersonKind;
  /** The link worker's id, or the organisation's id (staff act for their organisation). */
  id: string;
  /** The link worker's name, or the organisation's name. */
  name: string;
}

/**
 * The signed-in person, as pages behind sign-in receive it (`@CurrentUser()` after `SignedInGuard`).
 * For organisation staff, `id` and `name` are the organisation's and `email` is the member of staff's.
 */
export interface WorkspaceUser {
  kind: PersonKind;
  id: string;
  email: string;
  name: string;
  /**
   * A stable, non-secret handle for this session (the SHA-256 of the session id, hex): safe to write to
   * logs and audit rows; never usable as a cookie.
   */
  sessionId: string;
  /** Every role this address holds in the directory (rolesInOrder), this one included: more than one can be switched between. */
  roles: DirectoryPerson[];
}
