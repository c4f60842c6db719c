/*
 * The baseline `npm run bench` compares intake with: the least a referral intake can do and still be
 * durable. Fastify parses the JSON body, one transaction inserts the referral and its outbox row, a BullMQ
 * job is added, 202. No signature, idempotency, validation, rate limit or logging: the ceiling of this
 * stack (Node, Fastify, pg, BullMQ, PostgreSQL, Redis) on this machine. Run as a child process by the bench.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import Fastify from 'fastify';
import { Pool } from 'pg';

const SCHEMA = 'minimal';

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  await pool.query(`CREATE SCHEMA IF NOT EXISTS "${SCHEMA}"`);
  await pool.query(`CREATE TABLE IF NOT EXISTS "${SCHEMA}"."referral" (
    "id" uuid PRIMARY KEY, "sender_id" text NOT NULL, "sender_referral_id" text NOT NULL, "body" jsonb NOT NULL,
    "received_at" timestamptz NOT NULL DEFAULT now(), UNIQUE ("sender_id", "sender_referral_id"))`);
  await pool.query(`CREATE TABLE IF NOT EXISTS "${SCHEMA}"."outbox" (
    "seq" bigserial PRIMARY KEY, "id" uuid NOT NULL UNIQUE, "type" text NOT NULL, "envelope" jsonb NOT NULL, "published_at" timestamptz)`);
  const queue = new Queue('minimal-referrals', { connection: { url: process.env.REDIS_URL }, prefix: process.env.REDIS_PREFIX });
  const app = Fastify({ bodyLimit: 64 * 1024 });
  app.get('/health', async () => ({ status: 'ok' }));
  app.post('/v1/referrals', async (request, reply) => {
    const body = request.body as { senderReferralId: string };
    const id = randomUUID();
    const eventId = randomUUID();
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO "${SCHEMA}"."referral" ("id", "sender_id", "sender_referral_id", "body") VALUES ($1, $2, $3, $4)`, [
        id,
        String(request.headers['x-sender-id'] ?? ''),
        body.senderReferralId,
        body,
      ]);
      await client.query(`INSERT INTO "${SCHEMA}"."outbox" ("id", "type", "envelope") VALUES ($1, $2, $3)`, [
        eventId,
        'referral.received',
        { id: eventId, type: 'referral.received', referralId: id },
      ]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
    await queue.add('referral.received', { referralId: id }, { jobId: eventId, removeOnComplete: true });
    return reply.code(202).send({ referralId: id, status: 'received' });
  });
  await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
  const stop = async () => {
    await app.close();
    await queue.close();
    await pool.end();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
