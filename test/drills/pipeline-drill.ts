import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { JobNameValue, JobPayloads, QueueName, jobIdOf, loadEnvironment, producerConnection } from '@app/shared';
import { SmtpSink, eventually, freeLoopbackPort, startSmtpSink } from '@app/shared/testing';
import { NotifierEnvironment } from '../../apps/notifier/src/environment';
import { createNotifierApp } from '../../apps/notifier/src/notifier-app';
import { pendingReminder } from '../../apps/notifier/src/tasks/reminder-schedule';
import { reminderJob } from '../../apps/notifier/src/tasks/reminders.service';
import { OutcomesEnvironment } from '../../apps/outcomes/src/environment';
import { createOutcomesApp } from '../../apps/outcomes/src/outcomes-app';
import { IntakeEnvironment } from '../../apps/referral-intake/src/environment';
import { createIntakeApp } from '../../apps/referral-intake/src/intake-app';
import { SenderStore } from '../../apps/referral-intake/src/senders/sender.store';
import { signRequest } from '../../apps/referral-intake/src/senders/signing';

export type DrillService = 'referral-intake' | 'notifier' | 'outcomes';

const ROOT = join(__dirname, '../..');
const LOG_DIR = process.env.DRILL_LOG_DIR;

export interface PipelineDrillOptions {
  /** REDIS_URL of the services: a redis-server or a Redis Cluster of the test's own. */
  redisUrl: string;
  /** DATABASE_URL of the services (a TcpProxy in front of PostgreSQL when the drill cuts it). */
  serviceDatabaseUrl: string;
  /** PostgreSQL as the test reads it, never through the drill's cuts. */
  checkDatabaseUrl: string;
  /** Environment overrides for every service (e.g. how soon the reconciler looks). */
  env?: Record<string, string>;
}

/** A service replica started as an OS process of its own, so that a drill can `kill -9` it. */
export interface ServiceProcess {
  service: DrillService;
  url: string;
  kill(): Promise<void>;
}

export interface DeliveryFigures {
  /** The slowest referral: from its 202 to its email sent and its routing recorded in outcomes. */
  slowestMs: number;
}

/**
 * The whole pipeline under fault drills: intake, notifier and outcomes on a Redis and a PostgreSQL of the
 * drill's own, an SMTP server that counts every email, and GP referrals posted as a GP system would (signed,
 * retried with the same webhook-id until answered 202, across every intake replica like a load balancer).
 * Shared by the Redis-data-loss test and the Redis Cluster drills. Timings are shortened so that a lost lock,
 * a lost job or a lost connection shows within seconds.
 */
export class PipelineDrill {
  readonly apps: NestFastifyApplication[] = [];
  readonly intakeUrls: string[] = [];
  private readonly processes: Array<{ child: ChildProcess; url: string }> = [];
  private sender: { id: string; secret: string } | undefined;
  private posted = 0;

  private constructor(
    private readonly options: PipelineDrillOptions,
    readonly smtp: SmtpSink,
    private readonly workDir: string,
    readonly db: Pool,
  ) {}

  static async start(options: PipelineDrillOptions): Promise<PipelineDrill> {
    const db = new Pool({ connectionString: options.checkDatabaseUrl, max: 2 });
    return new PipelineDrill(options, await startSmtpSink(), mkdtempSync(join(tmpdir(), 'drill-')), db);
  }

  /** The environment of one replica of `service`. */
  env(service: DrillService): Record<string, string> {
    const common = {
      DATABASE_URL: this.options.serviceDatabaseUrl,
      REDIS_URL: this.options.redisUrl,
      REDIS_PREFIX: '{referrals}',
      // DRILL_LOG_DIR=dir: each replica's warnings and errors in a file of its own there, to see why a drill failed.
      ...(LOG_DIR ? { LOG_LEVEL: 'warn', LOG_FILE: join(LOG_DIR, `${service}-${randomUUID().slice(0, 8)}.log`) } : { LOG_LEVEL: 'silent' }),
      OUTBOX_POLL_MS: '50',
      EVENT_BACKOFF_MS: '100',
      EVENT_LOCK_MS: '2000',
      EVENT_STALLED_INTERVAL_MS: '1000',
      JOB_LOCK_MS: '2000',
      JOB_STALLED_INTERVAL_MS: '1000',
      EVENT_RECONCILE_INTERVAL_MS: '1000',
      EVENT_RECONCILE_GRACE_MS: '2000',
      ...this.options.env,
    };
    if (service === 'referral-intake') return { ...common, RATE_LIMIT_PER_MINUTE: '100000' };
    if (service === 'notifier') {
      return { ...common, SMTP_URL: this.smtp.url, MAIL_DIR: join(this.workDir, 'mail'), DELIVERY_BACKOFF_MS: '100', DELIVERY_SWEEP_MS: '1000', DELIVERY_LOCK_MS: '2000' };
    }
    return common;
  }

  /** A replica inside the test's process, listening on a free port. */
  async startInProcess(service: DrillService): Promise<NestFastifyApplication> {
    const env = this.env(service);
    const app =
      service === 'referral-intake'
        ? await createIntakeApp(loadEnvironment(IntakeEnvironment, env))
        : service === 'notifier'
          ? await createNotifierApp(loadEnvironment(NotifierEnvironment, env))
          : await createOutcomesApp(loadEnvironment(OutcomesEnvironment, env));
    await app.listen(0, '127.0.0.1');
    this.apps.push(app);
    if (service === 'referral-intake') this.intakeUrls.push(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`);
    return app;
  }

  async stopInProcess(app: NestFastifyApplication): Promise<void> {
    await app.close();
    this.apps.splice(this.apps.indexOf(app), 1);
  }

  /** A replica as its own process (the service's main.ts), ready once its /health answers. */
  async spawn(service: DrillService): Promise<ServiceProcess> {
    const port = await freeLoopbackPort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [join(ROOT, 'apps/notifier/src/testing/run-typescript.js'), join(ROOT, `apps/${service}/src/main.ts`)], {
      env: { ...process.env, ...this.env(service), PORT: String(port), PUBLIC_BASE_URL: url },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    this.processes.push({ child, url });
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`${service} exited (${child.exitCode}): ${stderr}`);
        return (await fetch(`${url}/health`).catch(() => undefined))?.ok;
      },
      60_000,
      200,
    );
    if (service === 'referral-intake') this.intakeUrls.push(url);
    return {
      service,
      url,
      kill: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
        // The load balancer notices: no more requests to it.
        if (this.intakeUrls.includes(url)) this.intakeUrls.splice(this.intakeUrls.indexOf(url), 1);
      },
    };
  }

  /** The address of every replica still running, in the test's process or its own. */
  replicaUrls(): string[] {
    return [
      ...this.apps.map((app) => `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`),
      ...this.processes.filter(({ child }) => child.exitCode === null && child.signalCode === null).map(({ url }) => url),
    ];
  }

  /** Registers the GP system whose referrals the drill posts (through an intake replica's DataSource). */
  async registerSender(intake: NestFastifyApplication): Promise<void> {
    const registered = await new SenderStore(intake.get(DataSource)).register({ name: 'Drill GP system', practiceOdsCodes: ['A81001'] }, intake.get(IntakeEnvironment).SENDER_SECRET_KEY);
    this.sender = { id: registered.sender.id, secret: registered.secret };
  }

  /**
   * Posts one referral as a GP system behind a load balancer does: to the intake replicas in turn, and on no
   * answer, a 5xx or a 409 (the same webhook-id still being processed) to the next one, again with the same
   * webhook-id (Standard Webhooks retries), until 202. Any other answer fails the drill.
   */
  async postReferral(): Promise<string> {
    if (!this.sender) throw new Error('registerSender first');
    const body = {
      senderReferralId: `DRILL-${randomUUID()}`,
      patient: { nhsNumber: '943 476 5919', givenName: 'Test', familyName: 'Patient', dateOfBirth: '1950-01-01', sex: 'female', postcode: 'TS1 3QY' },
      practiceOdsCode: 'A81001',
      needs: ['loneliness'],
      urgency: 'routine',
      consentToShare: true,
      consentRecordedAt: '2026-11-24T09:12:00Z',
    };
    const signed = signRequest({ senderId: this.sender.id, secrets: [this.sender.secret], body });
    const deadline = Date.now() + 60_000;
    let last = 'no answer';
    for (let attempt = this.posted++; Date.now() < deadline; attempt += 1) {
      const url = this.intakeUrls[attempt % this.intakeUrls.length];
      const response = await fetch(`${url}/v1/referrals`, { method: 'POST', headers: signed.headers, body: signed.body, signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
      if (response?.status === 202) return ((await response.json()) as { referralId: string }).referralId;
      last = response ? `${response.status} ${await response.text()}` : 'no answer';
      if (response && response.status < 500 && response.status !== 409) throw new Error(`referral refused: ${last}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`referral not accepted within 60 s (last: ${last})`);
  }

  /** Posts `count` referrals at `perSecond`, calling `during(index)` before each (to kill, cut or flush). */
  async postStream(count: number, perSecond: number, during: (index: number) => Promise<void> | void = () => undefined): Promise<string[]> {
    const pending: Array<Promise<string>> = [];
    for (let index = 0; index < count; index += 1) {
      await during(index);
      pending.push(this.postReferral());
      await new Promise((resolve) => setTimeout(resolve, 1000 / perSecond));
    }
    return Promise.all(pending);
  }

  /** Waits until no outbox of any service holds an event that Redis has not accepted. */
  async waitUntilRelayed(): Promise<void> {
    await eventually(async () => {
      const { rows } = await this.db.query(
        `SELECT (SELECT count(*) FROM "intake"."outbox" WHERE "published_at" IS NULL) + (SELECT count(*) FROM "notifier"."outbox" WHERE "published_at" IS NULL) AS "pending"`,
      );
      return Number(rows[0].pending) === 0;
    }, 20_000, 10);
  }

  /**
   * Every referral routed, each of its emails sent and received once, and its referral.received and referral.routed in
   * outcomes (each event once). `resends` counts the emails allowed a second copy: only one whose first attempt
   * a killed notifier had handed to SMTP (on record as an attempt; both copies carry the same Message-ID).
   */
  async expectEveryReferralDelivered(referralIds: string[], options: { resends?: number; timeoutMs?: number } = {}): Promise<DeliveryFigures> {
    let progress = {};
    await eventually(
      async () => {
        const { rows } = await this.db.query(
          `SELECT (SELECT count(*) FROM "notifier"."routing_decision" WHERE "referral_id" = ANY($1))::int AS "routed",
                  (SELECT count(DISTINCT "referral_id") FROM "notifier"."notification" WHERE "referral_id" = ANY($1) AND "channel" = 'email')::int AS "emailed",
                  (SELECT count(*) FROM "notifier"."notification" WHERE "referral_id" = ANY($1) AND "channel" = 'email' AND "status" NOT IN ('sent', 'delivered'))::int AS "unsent",
                  (SELECT count(DISTINCT "referral_id") FROM "outcomes"."outcome_event" WHERE "referral_id" = ANY($1) AND "type" = 'referral.routed')::int AS "inOutcomes"`,
          [referralIds],
        );
        progress = { referrals: referralIds.length, ...rows[0] };
        const { routed, emailed, unsent, inOutcomes } = rows[0];
        return routed === referralIds.length && emailed === referralIds.length && unsent === 0 && inOutcomes === referralIds.length;
      },
      options.timeoutMs ?? 90_000,
      250,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(progress)}`);
    });
    const { rows: emails } = await this.db.query<{ id: string; referral_id: string; status: string; attempts: number }>(
      `SELECT "id", "referral_id", "status", "attempts" FROM "notifier"."notification" WHERE "referral_id" = ANY($1) AND "channel" = 'email'`,
      [referralIds],
    );
    expect(emails.filter((email) => !['sent', 'delivered'].includes(email.status))).toEqual([]);
    // A doubled send shows up a moment after the row says sent.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const copies = new Map<string, number>();
    for (const message of this.smtp.messages) copies.set(message.messageId ?? '', (copies.get(message.messageId ?? '') ?? 0) + 1);
    const received = emails.map((email) => ({ id: email.id, attempts: email.attempts, copies: copies.get(`<${email.id}@notifier.social-prescribing.invalid>`) ?? 0 }));
    expect(received.filter((email) => email.copies === 0)).toEqual([]);
    const doubled = received.filter((email) => email.copies > 1);
    expect(doubled.filter((email) => email.copies > 2 || email.attempts < 2)).toEqual([]);
    expect(doubled.length).toBeLessThanOrEqual(options.resends ?? 0);
    const { rows: events } = await this.db.query(
      `SELECT "type", count(DISTINCT "referral_id")::int AS "referrals", count(*)::int AS "events"
         FROM "outcomes"."outcome_event" WHERE "referral_id" = ANY($1) AND "type" IN ('referral.received', 'referral.routed') GROUP BY "type" ORDER BY "type"`,
      [referralIds],
    );
    expect(events).toEqual([
      { type: 'referral.received', referrals: referralIds.length, events: referralIds.length },
      { type: 'referral.routed', referrals: referralIds.length, events: referralIds.length },
    ]);
    const { rows: slowest } = await this.db.query(
      `SELECT max(EXTRACT(EPOCH FROM GREATEST(n."sent_at", o."stored_at") - r."received_at") * 1000)::int AS "ms"
         FROM "intake"."referral" r
         JOIN "notifier"."notification" n ON n."referral_id" = r."id" AND n."channel" = 'email'
         JOIN "outcomes"."outcome_event" o ON o."referral_id" = r."id" AND o."type" = 'referral.routed'
        WHERE r."id" = ANY($1)`,
      [referralIds],
    );
    if (LOG_DIR) appendFileSync(join(LOG_DIR, 'figures.log'), `${new Date().toISOString()} ${referralIds.length} referrals, slowest ${slowest[0].ms} ms\n`);
    return { slowestMs: slowest[0].ms };
  }

  /**
   * Every open task whose reminder or escalation is still to come has its delayed job in Redis, whatever Redis
   * lost (the job ids are the runner's, from the one registry). Returns how many tasks were checked: a drill
   * asserts there were some.
   */
  async expectEveryOpenTaskHasItsReminder(timeoutMs = 30_000): Promise<number> {
    const connection = producerConnection(this.options.redisUrl);
    const queue = new Queue(QueueName.Reminders, { connection, prefix: '{referrals}', skipWaitingForReady: true });
    let missing: string[] = [];
    try {
      return await eventually(
        async () => {
          const { rows } = await this.db.query(
            `SELECT "id", "reminder_due_at" AS "reminderDueAt", "reminded_at" AS "remindedAt", "escalation_due_at" AS "escalationDueAt",
                    "escalated_at" AS "escalatedAt", "correlation_id" AS "correlationId"
               FROM "notifier"."task" WHERE "status" = 'open'`,
          );
          const expected = rows.map(pendingReminder).flatMap((due) => {
            if (!due) return [];
            const job = reminderJob(due);
            return [jobIdOf(job.name as JobNameValue, job.payload as JobPayloads[JobNameValue])];
          });
          const states = await Promise.all(expected.map(async (jobId) => [jobId, (await queue.getJob(jobId)) ? await queue.getJobState(jobId) : 'missing'] as const));
          missing = states.filter(([, state]) => !['delayed', 'waiting', 'active', 'prioritized'].includes(state)).map(([jobId, state]) => `${jobId}: ${state}`);
          return missing.length === 0 && expected.length;
        },
        timeoutMs,
        500,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}: open tasks without their reminder job: ${missing.slice(0, 10).join(', ')} (${missing.length})`);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  }

  /**
   * Stops everything. A replica's graceful shutdown after these faults has once waited for ever (an event job
   * still active when the drill ended, seen once in three runs on a Redis Cluster); the drill then gives up on it
   * after CLOSE_BOUND_MS and says so, rather than hanging the run.
   */
  async close(): Promise<void> {
    for (const { child } of this.processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const app of [...this.apps].reverse()) await closeWithin(app, CLOSE_BOUND_MS);
    await this.smtp.close();
    await this.db.end();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

const CLOSE_BOUND_MS = 30_000;

async function closeWithin(app: NestFastifyApplication, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'gave up'>((resolve) => {
    timer = setTimeout(() => resolve('gave up'), ms);
  });
  const result = await Promise.race([app.close().then(() => 'closed' as const), gaveUp]);
  clearTimeout(timer);
  if (result === 'gave up') process.stderr.write(`pipeline drill: a replica did not shut down within ${ms / 1000} s; left to the process's exit\n`);
}
