import { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-query';

/**
 * The call that locks one referral, in one service's lock space, until the transaction ends: `referralId` is
 * an SQL expression for the referral id as text (as the caller sent it, never re-rendered from a uuid),
 * `lockSpace` one for the lock space. One text for the event server's claim and for lockReferral, so both
 * take the same lock.
 */
export function referralLockCall(referralId: string, lockSpace: string): string {
  return `pg_advisory_xact_lock(hashtextextended(${referralId}::text, ${lockSpace}::bigint))`;
}

/**
 * Locks a referral in a lock space until the caller's transaction ends: what an API path takes before it
 * changes state that the service's event handlers change too (they get it with the inbox claim, see
 * EventTransportOptions.referralLockSpace).
 */
export async function lockReferral(manager: EntityManager, lockSpace: number, referralId: string): Promise<void> {
  await preparedQuery(manager, 'referral_lock', `SELECT ${referralLockCall('$1', '$2')}`, [referralId, lockSpace]);
}
