import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { DECLINE_REASONS, ProblemException, needsText, problem, isJsonObject } from '@app/shared';
import { SkipCsrf } from '../auth/auth.guards';
import { sendPage } from '../pages';
import { TemplateRenderer } from '../templates';
import { DecisionInput } from '../tasks/tasks.service';
import { ActionsService, DecisionResult } from './actions.service';

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

/**
 * The one-click page behind an action link: server-rendered, no JavaScript, one form per decision.
 * No CSRF token and no session: the signed token in the address is the authority, and another site
 * cannot know it, so it cannot forge the form (a mail scanner that opens the link only GETs).
 */
// Pages people open from their email or SMS, not an API: kept out of /docs.
@ApiExcludeController()
@Controller('t')
@SkipCsrf()
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
    const input = this.parse(isJsonObject(form) ? form : {});
    if ('error' in input) {
      const opened = await this.actions.open(token);
      if (opened.state !== 'open') return this.respond(reply, token, opened);
      return sendPage(
        reply,
        422,
        this.templates.page('task', {
          ...this.taskContext(token, opened.task, opened.recipientName),
          title: 'Social prescribing referral',
          form,
          errors: [{ href: `#${input.field}`, text: input.error }],
          fieldErrors: { [input.field]: input.error },
        }),
      );
    }
    this.respond(reply, token, await this.actions.decide(token, input));
  }

  private parse(form: DecisionForm): DecisionInput | { field: string; error: string } {
    // A browser's form sends each field once, as text; anything else was crafted, and is named back.
    const malformed = (['decision', 'reason', 'reasonText'] as const)
      .filter((field) => form[field] !== undefined && typeof form[field] !== 'string')
      .map((field) => ({ pointer: `/${field}`, detail: `${field} must be text, given once` }));
    if (malformed.length > 0) throw new ProblemException(problem(422, 'The decision form was not understood: see errors', { errors: malformed }));
    if (form.decision === 'accept') return { decision: 'accept' };
    if (form.decision === 'decline') {
      if (!DECLINE_REASONS.some((reason) => reason.code === form.reason)) return { field: 'reason', error: 'Choose a reason for declining' };
      const reasonText = (form.reasonText ?? '').trim();
      if (form.reason === 'other' && !reasonText) return { field: 'reasonText', error: 'Say briefly why you are declining' };
      return { decision: 'decline', reason: form.reason as string, reasonText: reasonText || undefined };
    }
    return { field: 'accept', error: 'Choose to accept or decline' };
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
        return sendPage(reply, status, this.templates.page('message', { title: 'This link cannot be used', message }));
      }
      case 'open':
        return sendPage(reply, 200, this.templates.page('task', { ...this.taskContext(token, result.task, result.recipientName), title: 'Social prescribing referral' }));
      case 'withdrawn':
        return sendPage(
          reply,
          410,
          this.templates.page('message', {
            title: 'This referral is no longer needed',
            message:
              result.task.withdrawnReason === 'accepted-elsewhere'
                ? 'Another organisation has accepted this referral, so you do not need to do anything. Thank you.'
                : 'This referral has been withdrawn, so you do not need to do anything. Thank you.',
            referralId: result.task.referralId,
          }),
        );
      case 'decided':
        return sendPage(
          reply,
          409,
          this.templates.page('message', {
            title: 'Already answered',
            message: `This referral was already ${result.task.status} on ${result.task.decidedAt?.toISOString().slice(0, 10)}. Nothing has changed.`,
            referralId: result.task.referralId,
            link: this.workspaceLink(result.task.referralId),
          }),
        );
      case 'recorded':
        return sendPage(
          reply,
          200,
          this.templates.page('message', {
            title: result.task.status === 'accepted' ? 'Referral accepted' : 'Referral declined',
            message:
              result.task.status === 'accepted'
                ? 'Thank you. The link worker has been told. Sign in to your workspace to see the person’s name and how to contact them, and to record what happens.'
                : 'Thank you. The link worker has been told and will find other support for the person.',
            referralId: result.task.referralId,
            link: this.workspaceLink(result.task.referralId),
          }),
        );
    }
  }

  /** The details live behind sign-in: the link leads there (sign-in first, when needed). */
  private workspaceLink(referralId: string) {
    return { href: `/workspace/referrals/${referralId}`, text: 'Open this referral in your workspace' };
  }
}
