import type { QueuedNotification } from '../delivery/notifications.service';
import type { ScheduledReminder } from './reminders.service';

/**
 * What a committed change still has to start outside Postgres: deliveries to enqueue, reminder jobs to add
 * or remove. The rows are the truth; these only wake the workers (sweepers cover a crash in between).
 */
export class FollowUps {
  readonly notifications: QueuedNotification[] = [];
  readonly reminders: ScheduledReminder[] = [];
  readonly cancelledReminders: string[] = [];

  add(other: FollowUps): this {
    this.notifications.push(...other.notifications);
    this.reminders.push(...other.reminders);
    this.cancelledReminders.push(...other.cancelledReminders);
    return this;
  }
}
