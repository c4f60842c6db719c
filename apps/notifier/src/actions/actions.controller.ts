import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { TemplateRenderer, needsText } from '../templates';
import { ActionsService, DecisionInput, DecisionResult } from './actions.service';
import { DECLINE_REASONS } from './decline-reasons';

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // The token is in the address: never leak it to other sites.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'x-robots-tag': 'noindex',
};

const INVALID_MESSAGES: Record<string, { status: number; message: string }> = {
  expired: { status: 410, message: 'This link has expired. Ask the link worker to send the referral again.' },
  'unknown-task': { status: 404, message: 'We could not find this referral task.' },
  malformed: { status: 404, message: 'This link is not complete. Open it again from your message, or copy the whole address.' },
  'bad-signature': { status: 404, message: 'This link is not complete. Open it again from your message, or copy the whole address.' },
};

interface DecisionForm {
  decision?: string;
  reason?: string;
  reasonText?: string;
}

/** The one-click page behind an action link: server-rendered, no JavaScript, one form per decision. */
@Controller('t')
export class ActionsController {
  constructor(
    private readonly actions: ActionsService,
    private readonly templates: TemplateRenderer,
  ) {}

  @Get(':token')
  async show(@Param('token') token: string, @Res() reply: FastifyReply): Promise<void> {
    this.respond(reply, token, await this.actions.open(token));
  }

  @Post(':token')
  async decide(@Param('token') token: string, @Body() form: DecisionForm, @Res() reply: FastifyReply): Promise<void> {
    const input = this.parse(form ?? {});
    if ('error' in input) {
      const opened = await this.actions.open(token);
      if (opened.state !== 'open') return this.respond(reply, token, opened);
      return this.send(reply, 422, this.templates.page('task', { ...this.taskContext(token, opened.task, opened.recipientName), title: 'Check your answer', error: input.error }));
    }
    this.respond(reply, token, await this.actions.decide(token, input));
  }

  private parse(form: DecisionForm): DecisionInput | { error: string } {
    if (form.decision === 'accept') return { decision: 'accept' };
    if (form.decision === 'decline') {
      if (!DECLINE_REASONS.some((reason) => reason.code === form.reason)) return { error: 'Choose a reason for declining.' };
      const reasonText = (form.reasonText ?? '').trim();
      if (form.reason === 'other' && !reasonText) return { error: 'Say briefly why you are declining.' };
      return { decision: 'decline', reason: form.reason as string, reasonText: reasonText || undefined };
    }
    return { error: 'Choose to accept or decline.' };
  }

  private taskContext(token: string, task: { referralId: string; summary: { needs: string[]; practiceName?: string; practiceOdsCode: string } }, recipientName: string) {
    return {
      task,
      recipientName,
      needsText: needsText(task.summary.needs),
      practice: task.summary.practiceName ? `${task.summary.practiceName} (${task.summary.practiceOdsCode})` : task.summary.practiceOdsCode,
      actionPath: `/t/${token}`,
      reasons: DECLINE_REASONS,
    };
  }

  private respond(reply: FastifyReply, token: string, result: DecisionResult): void {
    switch (result.state) {
      case 'invalid': {
        const { status, message } = INVALID_MESSAGES[result.reason];
        return this.send(reply, status, this.templates.page('message', { title: 'This link cannot be used', message }));
      }
      case 'open':
        return this.send(reply, 200, this.templates.page('task', { ...this.taskContext(token, result.task, result.recipientName), title: 'Social prescribing referral' }));
      case 'decided':
        return this.send(
          reply,
          409,
          this.templates.page('message', {
            title: 'Already answered',
            message: `This referral was already ${result.task.status} on ${result.task.decidedAt?.toISOString().slice(0, 10)}. Nothing has changed.`,
            referralId: result.task.referralId,
          }),
        );
      case 'recorded':
        return this.send(
          reply,
          200,
          this.templates.page('message', {
            title: result.task.status === 'accepted' ? 'Referral accepted' : 'Referral declined',
            message:
              result.task.status === 'accepted'
                ? 'Thank you. The link worker has been told and will share the person’s contact details securely.'
                : 'Thank you. The link worker has been told and will find other support for the person.',
            referralId: result.task.referralId,
          }),
        );
    }
  }

  private send(reply: FastifyReply, status: number, html: string): void {
    reply.status(status).headers(PAGE_HEADERS).send(html);
  }
}
