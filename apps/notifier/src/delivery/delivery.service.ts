import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { EventPublisher, EventType, JobContext, NotificationPayload, describeError } from '@app/shared';
import { DirectoryStore } from '../directory/directory.store';
import { NotifierEnvironment } from '../environment';
import { TasksStore } from '../tasks/tasks.store';
import { DeliveryError } from './delivery-errors';
import { EmailSender } from './email-sender';
import { MessageComposer } from './message-composer';
import { Notification } from './notification.entities';
import { Claim, NotificationStore } from './notification.store';
import { SmsSender } from './sms-sender';

export type DeliveryResult = 'sent' | 'already-done' | 'found-at-provider' | 'recorded-after-acceptance';

/** That a provider took a message, remembered with the job (in Redis) until "sent" is recorded in Postgres. */
interface Acceptance {
  notificationId: string;
  attemptNo: number;
  providerMessageId: string;
  outcome: 'sent' | 'found-at-provider';
}

function acceptanceIn(checkpoint: Record<string, unknown> | undefined, notificationId: string): Acceptance | undefined {
  const accepted = checkpoint?.accepted as Acceptance | undefined;
  return accepted?.notificationId === notificationId && typeof accepted.providerMessageId === 'string' ? accepted : undefined;
}

/** The provider has the message but Postgres does not know yet: the retry records it without sending again. */
export class AcceptedNotRecordedError extends Error {
  constructor(provider: string, acceptance: Acceptance, cause: unknown) {
    super(
      `${provider} accepted notification ${acceptance.notificationId} (${acceptance.providerMessageId}) on attempt ${acceptance.attemptNo}, ` +
        `but recording it sent failed (${describeError(cause)}); the next attempt records it without sending again`,
      // Kept so that the job runner sees PostgreSQL's failure and never dead-letters the job for it.
      { cause },
    );
    this.name = 'AcceptedNotRecordedError';
  }
}

/**
 * Sends one notification at most once per claim. The claim is a row transition in Postgres
 * (pending → sending, with an attempt record) committed before the provider is called, so a redelivered
 * job finds "sent" and does nothing. What stays at-least-once: a crash after the provider accepted a
 * message but before "sent" committed. The provider's acceptance is remembered with the job (in Redis)
 * before "sent" is recorded, so when Postgres fails at that moment the retry records it without sending
 * again. Without that memory (the process died first), the next attempt finds "sending" (interrupted):
 * for SMS it asks Notify by reference and does not resend what Notify has; for email it resends with the
 * same Message-ID, so the recipient may see the message twice.
 */
@Injectable()
export class DeliveryService implements OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryService.name);
  readonly email: EmailSender;
  readonly sms: SmsSender | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    env: NotifierEnvironment,
    private readonly events: EventPublisher,
    private readonly composer: MessageComposer,
    private readonly directory: DirectoryStore,
    private readonly store: NotificationStore,
    private readonly tasks: TasksStore,
  ) {
    this.email = new EmailSender({ smtpUrl: env.SMTP_URL, mailDir: env.MAIL_DIR, from: env.MAIL_FROM });
    this.sms = env.NOTIFY_API_KEY
      ? new SmsSender({ apiKey: env.NOTIFY_API_KEY, baseUrl: env.NOTIFY_BASE_URL, templateId: env.NOTIFY_SMS_TEMPLATE_ID })
      : undefined;
  }

  onApplicationShutdown(): void {
    this.email.close();
  }

  async deliver(notificationId: string, attempt: Pick<JobContext, 'lastAttempt' | 'checkpoint' | 'saveCheckpoint'>): Promise<DeliveryResult> {
    const remembered = acceptanceIn(attempt.checkpoint, notificationId);
    if (remembered) {
      const recorded = await this.recordRememberedAcceptance(remembered);
      if (recorded) return recorded;
    }
    const claim = await this.claim(notificationId);
    if (claim.state === 'done') return 'already-done';
    const { notification, attemptNo } = claim;

    let acceptance: Acceptance;
    try {
      acceptance = await this.hand(notification, attemptNo, claim.interrupted);
    } catch (error) {
      const failure = error instanceof DeliveryError ? error : new DeliveryError((error as Error).message ?? String(error), false);
      await this.recordFailure(notification, attemptNo, failure, attempt.lastAttempt);
      if (failure.permanent) throw new UnrecoverableError(failure.message);
      throw failure;
    }
    // From here the provider has it: whatever fails now, it is not a failed delivery and is not sent again.
    await attempt.saveCheckpoint({ accepted: acceptance }).catch((error: unknown) =>
      this.logger.warn(
        { notificationId, attemptNo },
        `Could not remember that ${notification.provider} accepted notification ${notificationId} (${describeError(error)}); if recording it fails too, it may be sent again`,
      ),
    );
    try {
      await this.recordSent(notification, attemptNo, acceptance.providerMessageId, acceptance.outcome);
    } catch (error) {
      throw new AcceptedNotRecordedError(notification.provider ?? this.providerFor(notification), acceptance, error);
    }
    return acceptance.outcome;
  }

  /** Hands the message to its provider (or finds that an interrupted attempt already did, for SMS). */
  private async hand(notification: Notification, attemptNo: number, interrupted: boolean): Promise<Acceptance> {
    if (interrupted && notification.channel === 'sms' && this.sms) {
      const existing = await this.sms.findByReference(notification.id);
      if (existing) return { notificationId: notification.id, attemptNo, providerMessageId: existing, outcome: 'found-at-provider' };
    }
    return { notificationId: notification.id, attemptNo, providerMessageId: await this.send(notification), outcome: 'sent' };
  }

  /**
   * An earlier attempt of this job had the provider accept the message and could not record it: record it
   * now, for that attempt. Undefined when the row moved on since (another attempt or a replay claimed it).
   */
  private async recordRememberedAcceptance(acceptance: Acceptance): Promise<DeliveryResult | undefined> {
    let provider = 'the provider';
    try {
      const notification = await this.store.find(acceptance.notificationId);
      if (!notification) throw new UnrecoverableError(`notification ${acceptance.notificationId} does not exist`);
      provider = notification.provider ?? this.providerFor(notification);
      if (notification.status === 'sent' || notification.status === 'delivered') return 'already-done';
      if (notification.status !== 'sending' || notification.attempts !== acceptance.attemptNo) return undefined;
      await this.recordSent(notification, acceptance.attemptNo, acceptance.providerMessageId, acceptance.outcome);
      this.logger.log(
        { notificationId: notification.id, attemptNo: acceptance.attemptNo, providerMessageId: acceptance.providerMessageId },
        `Recorded notification ${notification.id} as sent: ${provider} accepted it on attempt ${acceptance.attemptNo}, when recording failed; not sent again`,
      );
      return 'recorded-after-acceptance';
    } catch (error) {
      if (error instanceof UnrecoverableError) throw error;
      throw new AcceptedNotRecordedError(provider, acceptance, error);
    }
  }

  private providerFor(notification: Notification): string {
    return notification.channel === 'sms' ? 'govuk-notify' : this.email.provider;
  }

  private async claim(notificationId: string): Promise<Claim> {
    const claim = await this.store.claim(notificationId, (notification) => this.providerFor(notification));
    if (!claim) throw new UnrecoverableError(`notification ${notificationId} does not exist`);
    return claim;
  }

  private async send(notification: Notification): Promise<string> {
    const task = await this.tasks.findTask(notification.taskId);
    if (!task) throw new DeliveryError(`task ${notification.taskId} of notification ${notification.id} is missing`, true);
    if (notification.channel === 'sms') {
      if (!this.sms) throw new DeliveryError('SMS is not configured (NOTIFY_API_KEY unset)', true);
      const { providerMessageId } = await this.sms.send({ notificationId: notification.id, to: notification.address, link: this.composer.link(task.id).url });
      return providerMessageId;
    }
    const recipient = await this.directory.recipient(notification.recipientType, notification.recipientId);
    const content = await this.composer.email(notification, task, recipient?.name ?? 'colleague');
    const sent = await this.email.send({ notificationId: notification.id, referralId: notification.referralId, to: notification.address, ...content });
    if (sent.file) this.logger.log({ notificationId: notification.id, referralId: notification.referralId, file: sent.file }, 'Email written to the mail directory');
    return sent.providerMessageId;
  }

  private payload(notification: Notification, extra: Partial<NotificationPayload>): NotificationPayload {
    return {
      notificationId: notification.id,
      recipientType: notification.recipientType,
      recipientId: notification.recipientId,
      channel: notification.channel,
      provider: notification.provider ?? this.providerFor(notification),
      attempts: notification.attempts,
      ...extra,
    };
  }

  private async recordSent(notification: Notification, attemptNo: number, providerMessageId: string, outcome: 'sent' | 'found-at-provider'): Promise<void> {
    const event = (onlyIf: string) =>
      this.events.outboxRow(EventType.NotificationSent, { referralId: notification.referralId, payload: this.payload(notification, { providerMessageId }) }, onlyIf).insert;
    if (!(await this.store.recordSent(notification.id, attemptNo, providerMessageId, outcome, event, this.events.channel))) {
      this.logger.warn({ notificationId: notification.id, attemptNo }, 'A superseded attempt finished sending after another attempt took over');
    }
  }

  private async recordFailure(notification: Notification, attemptNo: number, failure: DeliveryError, final: boolean): Promise<void> {
    const giveUp = failure.permanent || final;
    await this.dataSource.transaction(async (manager) => {
      const recorded = await this.store.markFailed(manager, notification.id, attemptNo, failure, giveUp);
      if (!recorded || !giveUp) return;
      this.logger.warn({ notificationId: notification.id, attempts: attemptNo, error: describeError(failure) }, 'Notification dead-lettered');
      await this.events.publish(manager, EventType.NotificationFailed, {
        referralId: notification.referralId,
        payload: this.payload(notification, { error: failure.message }),
      });
    });
  }
}
