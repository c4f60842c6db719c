import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadEnvironment } from '@app/shared';
import { TEST_POSTGRES_URL, TestRedis, createTestRedisPrefix } from '@app/shared/testing';
import { IntakeEnvironment } from '../apps/referral-intake/src/environment';
import { createIntakeApp } from '../apps/referral-intake/src/intake-app';
import { INTAKE_MIGRATIONS } from '../apps/referral-intake/src/database';
import { NotifierEnvironment } from '../apps/notifier/src/environment';
import { createNotifierApp } from '../apps/notifier/src/notifier-app';
import { NOTIFIER_MIGRATIONS } from '../apps/notifier/src/app.module';
import { OutcomesEnvironment } from '../apps/outcomes/src/environment';
import { createOutcomesApp } from '../apps/outcomes/src/outcomes-app';
import { OUTCOMES_MIGRATIONS } from '../apps/outcomes/src/database';

/**
 * A fresh deployment: two replicas of each service start at the same moment against a database that does
 * not exist yet. They must take turns to create it and to migrate (PostgreSQL advisory locks), so every
 * replica starts and each migration is recorded once.
 */
describe('replicas starting together on a new database', () => {
  const name = `sp_replicas_${randomBytes(5).toString('hex')}`;
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  let redis: TestRedis;
  let logDir: string;
  const apps: NestFastifyApplication[] = [];

  beforeAll(() => {
    redis = createTestRedisPrefix('replicas');
    logDir = mkdtempSync(join(tmpdir(), 'replicas-boot-'));
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await redis.cleanup();
    const admin = new Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('creates the database once, migrates each schema once, and every replica becomes ready', async () => {
    const common = (replica: string) => ({
      DATABASE_URL: url.toString(),
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      LOG_FILE: join(logDir, `${replica}.log`),
      MAIL_DIR: join(logDir, 'mail'),
    });
    const starts = [1, 2].flatMap((replica) => [
      createIntakeApp(loadEnvironment(IntakeEnvironment, common(`intake-${replica}`))),
      createNotifierApp(loadEnvironment(NotifierEnvironment, common(`notifier-${replica}`))),
      createOutcomesApp(loadEnvironment(OutcomesEnvironment, common(`outcomes-${replica}`))),
    ]);
    const results = await Promise.allSettled(starts);
    for (const result of results) if (result.status === 'fulfilled') apps.push(result.value);
    expect(results.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason))).toEqual([]);

    for (const app of apps) {
      await app.listen(0, '127.0.0.1');
      const ready = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(200);
    }

    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      for (const [schema, migrations] of [
        ['intake', INTAKE_MIGRATIONS],
        ['notifier', NOTIFIER_MIGRATIONS],
        ['outcomes', OUTCOMES_MIGRATIONS],
      ] as const) {
        const { rows } = await client.query(`SELECT "name", count(*)::int AS "times" FROM "${schema}"."migrations" GROUP BY "name" ORDER BY "name"`);
        expect(rows).toHaveLength(migrations.length);
        expect(rows.every((row: { times: number }) => row.times === 1)).toBe(true);
      }
    } finally {
      await client.end();
    }
  });
});
