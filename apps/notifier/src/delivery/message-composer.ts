import { DECLINE_REASONS } from '@app/shared';
import { Injectable } from '@nestjs/common';
import { ActionLinkSigner } from '../actions/action-link';
import { DirectoryStore } from '../directory/directory.store';
import { NotifierEnvironment } from '../environment';
import { actionUrl } from '../presentation.module';
import { Task } from '../tasks/task.entity';
import { needsText } from '@app/shared';
import { TemplateRenderer } from '../templates';
import { Notification } from './notification.entities';

const HEADLINES: Partial<Record<Notification['kind'], string>> = {
  task: 'New social prescribing referral',
  reminder: 'Referral waiting for you',
  escalation: 'Referral not yet accepted',
  withdrawn: 'Referral no longer needed',
};

const WITHDRAWN_INTROS: Record<NonNullable<Task['withdrawnReason']>, string> = {
  'accepted-elsewhere': 'Another organisation has accepted this referral, so it is no longer needed. You do not need to do anything, and the link in our earlier message no longer works.',
  'removed-by-link-worker': 'The link worker has arranged other support for this person, so this referral is no longer needed. You do not need to do anything, and the link in our earlier message no longer works.',
  'referral-ended': 'This referral has ended, so it is no longer needed. You do not need to do anything, and the link in our earlier message no longer works.',
  'consent-withdrawn': 'This referral has been withdrawn, so it is no longer needed. You do not need to do anything, and the link in our earlier message no longer works.',
};

const LONDON_TIME = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: 'Europe/London' });

export interface ComposedEmail {
  subject: string;
  text: string;
  html: string;
}

/**
 * What a recipient reads: the referral id, needs, urgency, practice and area, and the signed link.
 * Never the patient's identity or notes, which the notifier does not even hold.
 */
@Injectable()
export class MessageComposer {
  constructor(
    private readonly env: NotifierEnvironment,
    private readonly templates: TemplateRenderer,
    private readonly signer: ActionLinkSigner,
    private readonly directory: DirectoryStore,
  ) {}

  link(taskId: string): { url: string; expiresAt: Date } {
    const { token, expiresAt } = this.signer.sign(taskId);
    return { url: actionUrl(this.env.PUBLIC_BASE_URL, token), expiresAt };
  }

  async email(notification: Notification, task: Task, recipientName: string): Promise<ComposedEmail> {
    const { url, expiresAt } = this.link(task.id);
    let intro = 'A GP practice has referred someone for social prescribing and you have been asked to support them. Please accept or decline the referral.';
    if (notification.kind === 'reminder') intro = 'This referral is still waiting for an answer from you. Please accept or decline it so the person is not left waiting.';
    const organisationName = async () => (await this.directory.recipient('organisation', task.recipientId))?.name ?? 'The organisation';
    if (notification.kind === 'escalation') {
      intro = `${await organisationName()} has not yet accepted or declined this referral after a reminder. You can review it, contact them, or answer on their behalf.`;
    }
    if (notification.kind === 'withdrawn') intro = WITHDRAWN_INTROS[task.withdrawnReason ?? 'referral-ended'];
    const decided = notification.kind === 'decision' || notification.kind === 'withdrawn';
    if (decided && task.status === 'accepted') {
      intro = `${await organisationName()} has accepted this referral. They now see the person's name and agreed way of contact in their workspace; you can follow the referral in yours.`;
    }
    if (decided && task.status === 'declined') {
      const reason = DECLINE_REASONS.find((candidate) => candidate.code === task.declineReason)?.label ?? task.declineReason ?? 'no reason given';
      intro = `${await organisationName()} has declined this referral (${reason}${task.declineText ? `: ${task.declineText}` : ''}). The person may need other support.`;
    }
    const context = {
      kind: notification.kind,
      referralId: notification.referralId,
      recipientName,
      intro,
      headline: HEADLINES[notification.kind] ?? (task.status === 'accepted' ? 'Referral accepted' : 'Referral declined'),
      decisionWord: task.status === 'accepted' ? 'Accepted' : 'Declined',
      needsText: needsText(task.summary.needs),
      urgency: task.summary.urgency,
      practice: task.summary.practiceName ? `${task.summary.practiceName} (${task.summary.practiceOdsCode})` : task.summary.practiceOdsCode,
      area: task.summary.area,
      actionUrl: decided ? undefined : url,
      actionText: 'Review and accept or decline',
      expiresText: LONDON_TIME.format(expiresAt),
      workspaceUrl: `${this.env.PUBLIC_BASE_URL.replace(/\/+$/, '')}/workspace`,
    };
    const subject = this.templates.render('email/notification.subject', context).trim();
    return {
      subject,
      text: this.templates.render('email/notification.text', { ...context, subject }),
      html: this.templates.render('email/notification.html', { ...context, subject }),
    };
  }
}

