import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventPublisher, EventType, ReferralDecisionPayload } from '@app/shared';
import { DirectoryStore } from '../directory/directory.store';
import { RemindersService } from '../reminders/reminders.service';
import { Task, TaskStatus } from '../routing/routing.entities';
import { ActionLinkSigner } from './action-link';



export type DecisionInput = { decision: 'accept' } | { decision: 'decline'; reason: string; reasonText?: string };

export type OpenedTask =
  | { state: 'invalid'; reason: 'malformed' | 'bad-signature' | 'expired' | 'unknown-task' }
  | { state: 'open' | 'decided'; task: Task; recipientName: string };

export type DecisionResult = OpenedTask | { state: 'recorded'; task: Task; recipientName: string };

@Injectable()
export class ActionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly signer: ActionLinkSigner,
    private readonly events: EventPublisher,
    private readonly directory: DirectoryStore,
    private readonly reminders: RemindersService,
  ) {}

  async open(token: string): Promise<OpenedTask> {
    const check = this.signer.verify(token);
    if (!check.valid) return { state: 'invalid', reason: check.reason };
    const task = await this.dataSource.getRepository(Task).findOneBy({ id: check.taskId });
    if (!task) return { state: 'invalid', reason: 'unknown-task' };
    const recipient = await this.directory.recipient(task.recipientType, task.recipientId);
    return { state: task.status === 'open' ? 'open' : 'decided', task, recipientName: recipient?.name ?? 'Colleague' };
  }

  /**
   * Records the decision once: the task moves from open to accepted or declined in the same transaction
   * as the referral.accepted / referral.declined event. A second submission finds it decided.
   */
  async decide(token: string, input: DecisionInput): Promise<DecisionResult> {
    const opened = await this.open(token);
    if (opened.state !== 'open') return opened;
    const decidedAt = new Date();
    const recorded = await this.dataSource.transaction(async (manager) => {
      const task = await manager.findOne(Task, { where: { id: opened.task.id }, lock: { mode: 'pessimistic_write' } });
      if (!task || task.status !== 'open') return undefined;
      const status: TaskStatus = input.decision === 'accept' ? 'accepted' : 'declined';
      const reason = input.decision === 'decline' ? input.reason : null;
      const reasonText = input.decision === 'decline' && input.reasonText ? input.reasonText.slice(0, 500) : null;
      await manager.update(Task, { id: task.id }, { status, decidedAt, declineReason: reason, declineText: reasonText });
      const payload: ReferralDecisionPayload = {
        recipientType: task.recipientType,
        recipientId: task.recipientId,
        ...(task.recipientType === 'organisation' ? { organisationId: task.recipientId } : {}),
        decidedAt: decidedAt.toISOString(),
        ...(reason ? { reason } : {}),
        ...(reasonText ? { reasonText } : {}),
      };
      await this.events.publish(manager, status === 'accepted' ? EventType.ReferralAccepted : EventType.ReferralDeclined, {
        referralId: task.referralId,
        correlationId: task.correlationId ?? undefined,
        payload,
      });
      return { ...task, status, decidedAt, declineReason: reason, declineText: reasonText };
    });
    if (!recorded) {
      const again = await this.open(token);
      return again;
    }
    await this.reminders.cancel([recorded.id]);
    return { state: 'recorded', task: recorded, recipientName: opened.recipientName };
  }
}
