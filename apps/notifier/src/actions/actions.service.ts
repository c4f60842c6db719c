import { Injectable } from '@nestjs/common';
import { DirectoryStore } from '../directory/directory.store';
import { Task } from '../tasks/task.entity';
import { DecisionInput, TasksService } from '../tasks/tasks.service';
import { TasksStore } from '../tasks/tasks.store';
import { ActionLinkSigner } from './action-link';

export type OpenedTask =
  | { state: 'invalid'; reason: 'malformed' | 'bad-signature' | 'expired' | 'unknown-task' }
  /** withdrawn: the offer was taken back; the link no longer works and the page says the referral is no longer needed. */
  | { state: 'open' | 'decided' | 'withdrawn'; task: Task; recipientName: string };

export type DecisionResult = OpenedTask | { state: 'recorded'; task: Task; recipientName: string };

/** The one-click link: checks the signed token, then hands the decision to the task's owner, the tasks module. */
@Injectable()
export class ActionsService {
  constructor(
    private readonly signer: ActionLinkSigner,
    private readonly directory: DirectoryStore,
    private readonly store: TasksStore,
    private readonly tasks: TasksService,
  ) {}

  async open(token: string): Promise<OpenedTask> {
    const check = this.signer.verify(token);
    if (!check.valid) return { state: 'invalid', reason: check.reason };
    const task = await this.store.findTask(check.taskId);
    if (!task) return { state: 'invalid', reason: 'unknown-task' };
    const recipient = await this.directory.recipient(task.recipientType, task.recipientId);
    const state = task.status === 'open' ? 'open' : task.status === 'withdrawn' ? 'withdrawn' : 'decided';
    return { state, task, recipientName: recipient?.name ?? 'Colleague' };
  }

  /** Records the decision once; a second submission, or one after the offer was withdrawn, changes nothing. */
  async decide(token: string, input: DecisionInput): Promise<DecisionResult> {
    const opened = await this.open(token);
    if (opened.state !== 'open') return opened;
    const result = await this.tasks.decide(opened.task.id, input);
    if (result.state === 'recorded') return { state: 'recorded', task: result.task, recipientName: opened.recipientName };
    return this.open(token);
  }
}
