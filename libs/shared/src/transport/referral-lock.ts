import { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-query';

/**
 * The call that locks one referral, in one service's lock space, until the transaction ends: $idParam is the
 * referral id, $spaceParam the lock space. One text for the event server's claim and for lockReferral, so
 * both take the same lock.
 */
export function referralLockCall(idParam: number, spaceParam: number): string {
  return `pg_advisory_xact_lock(hashtextextended($${idParam}::text, $${spaceParam}::bigint))`;
}

/**
 * Locks a referral in a lock space until the caller's transaction ends: what an API path takes before it
 * changes state that the service's event handlers change too (they get it with the inbox claim, see
 * EventTransportOptions.referralLockSpace).
 */
export async function lockReferral(manager: EntityManager, lockSpace: number, referralId: string): Promise<void> {
  await preparedQuery(manager, 'referral_lock', `SELECT ${referralLockCall(1, 2)}`, [referralId, lockSpace]);
}
