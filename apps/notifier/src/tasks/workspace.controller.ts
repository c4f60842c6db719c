import { DECLINE_REASONS, CLOSE_REASON_OPTIONS } from '@app/shared';
import { Body, Controller, Get, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser, PageContext, PageContextValue, SignedInGuard } from '../auth/auth.guards';
import type { WorkspaceUser } from '../auth/workspace-user';
import { DirectoryStore } from '../directory/directory.store';
import { sendPage } from '../pages';
import { needsText } from '@app/shared';
import { TemplateRenderer } from '../templates';
import type { ReferralAccess, Viewer } from './access';
import { CaseworkService } from './casework.service';
import { FieldError, OUTCOME_KINDS, parseDecisionForm, parseMeasureForm, parseOutcomeForm } from './forms';
import { handOffChoices, parseHandOffForm } from './hand-off';
import { MEASURE_QUESTIONS, isWellbeingMeasure } from './measure-questions';
import { TasksService } from './tasks.service';
import { TasksStore } from './tasks.store';
import { caseloadPage, referralPage, scoreText } from './workspace-view';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Form = Record<string, unknown>;

const BANNERS: Record<string, string> = {
  accepted: 'You accepted this referral. The person’s name and agreed contact are below.',
  declined: 'You declined this referral. The link worker has been told.',
  'hand-off': 'Offers saved. Organisations newly offered the referral have been emailed; any offer you took back has been withdrawn.',
  ...Object.fromEntries(OUTCOME_KINDS.map((kind) => [kind.kind, `Recorded: ${kind.label.toLowerCase()}.`])),
};

const viewerOf = (user: WorkspaceUser): Viewer & { email: string } => ({ kind: user.kind, id: user.id, email: user.email });

const errorList = (errors: FieldError[]) => ({
  errors: errors.map((error) => ({ href: `#${error.field}`, text: error.message })),
  fieldErrors: Object.fromEntries(errors.map((error) => [error.field, error.message])),
});

/** Only strings are echoed back into a form (a crafted body may carry anything). */
const echo = (form: Form | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(form ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== '_csrf'));

/**
 * The signed-in workspace: caseload, the referral page, accept or decline, hand-off, recording outcomes
 * and wellbeing measures. Thin: each handler parses, asks the tasks module, and renders what it answers.
 */
// Pages for people, not an API: kept out of /docs.
@ApiExcludeController()
@Controller('workspace')
@UseGuards(SignedInGuard)
export class WorkspaceController {
  constructor(
    private readonly casework: CaseworkService,
    private readonly tasks: TasksService,
    private readonly store: TasksStore,
    private readonly directory: DirectoryStore,
    private readonly templates: TemplateRenderer,
  ) {}

  @Get()
  async caseload(@CurrentUser() user: WorkspaceUser, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): Promise<void> {
    const viewer = viewerOf(user);
    sendPage(reply, 200, this.templates.page('workspace/caseload', { title: 'Your workspace', ...page, ...caseloadPage(viewer, await this.store.caseload(viewer)) }));
  }

  @Get('referrals/:referralId')
  async referral(@Param('referralId') referralId: string, @Query('recorded') recorded: unknown, @CurrentUser() user: WorkspaceUser, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): Promise<void> {
    if (!UUID.test(referralId)) return this.notFound(reply, page);
    const viewer = viewerOf(user);
    const view = await this.casework.view(viewer, referralId);
    if ('state' in view) return view.state === 'forbidden' ? this.forbidden(reply, page) : this.notFound(reply, page);
    const names = await this.organisationNames(view.tasks.map((task) => task.recipientId));
    const shown = referralPage(viewer, view, names);
    sendPage(reply, 200, this.templates.page('workspace/referral', { title: `Referral ${shown.reference}`, ...page, page: shown, banner: typeof recorded === 'string' ? BANNERS[recorded] : undefined }));
  }

  @Get('referrals/:referralId/decline')
  async declineForm(@Param('referralId') referralId: string, @CurrentUser() user: WorkspaceUser, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): Promise<void> {
    const found = await this.allowed(referralId, user, reply, page, (access) => !!access.openTaskId);
    if (!found) return;
    sendPage(reply, 200, this.templates.page('workspace/decline', { title: 'Decline this referral', ...page, ...this.reference(referralId), reasons: DECLINE_REASONS }));
  }

  @Post('referrals/:referralId/decision')
  async decide(@Param('referralId') referralId: string, @Body() form: Form | undefined, @CurrentUser() user: WorkspaceUser, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): Promise<void> {
    const found = await this.allowed(referralId, user, reply, page, (access) => !!access.openTaskId);
    if (!found) return;
    const parsed = parseDecisionForm(form ?? {}, DECLINE_REASONS);
    if (!parsed.ok) {
      return sendPage(reply, 422, this.templates.page('workspace/decline', { title: 'Decline this referral', ...page, ...this.reference(referralId), reasons: DECLINE_REASONS, form: echo(form), ...errorList(parsed.errors) }));
    }
    const result = await this.tasks.decide(found.access.openTaskId as string, parsed.value);
    if (result.state !== 'recorded') return this.redirect(reply, referralId);
    this.redirect(reply, referralId, result.task.status);
  }

  @Get('referrals/:referralId/hand-off')
  async handOffForm(@Param('referralId') referralId: string, @CurrentUser() user: WorkspaceUser, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): Promise<void> {
    const found = await this.allowed(referralId, user, reply, page, (access) => access.mayHandOff);
    if (!found) return;
    sendPage(reply, 200, this.templates.page('workspace/hand-off', { title: 'Hand off to organisations', ...page, ...(await this.handOffContext(found.referral, found.tasks)) }));
  }

  @Post('referrals/:referralId/hand-off')
  async handOff(@Param('referralId') referralId: string, @Body() form: Form | undefined, @CurrentUser() user: WorkspaceUser, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): Promise<void> {
    const found = await this.allowed(referralId, user, reply, page, (access) => access.mayHandOff);
    if (!found) return;
    const context = await this.handOffContext(found.referral, found.tasks);
    const parsed = parseHandOffForm(form ?? {}, context.choices);
    if (!parsed.ok) {
      const [error] = parsed.errors;
      return sendPage(reply, 422, this.templates.page('workspace/hand-off', { title: 'Hand off to organisations', ...page, ...context, ...errorList(parsed.errors), errorField: error.field, errorMessage: error.message }));
    }
    await this.tasks.handOff(viewerOf(user), referralId, parsed.value);
    this.redirect(reply, referralId, 'hand-off');
  }

  @Get('referrals/:referralId/record')
  async recordForm(@Param('referralId') referralId: string, @CurrentUser() user: WorkspaceUser, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): Promise<void> {
    const found = await this.allowed(referralId, user, reply, page, (access) => access.mayRecord);
    if (!found) return;
    sendPage(reply, 200, this.templates.page('workspace/record', { title: 'Record what happened', ...page, ...this.recordContext(referralId) }));
  }

  @Post('referrals/:referralId/record')
  async record(@Param('referralId') referralId: string, @Body() form: Form | undefined, @CurrentUser() user: WorkspaceUser, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): Promise<void> {
    const found = await this.allowed(referralId, user, reply, page, (access) => access.mayRecord);
    if (!found) return;
    const parsed = parseOutcomeForm(form ?? {}, new Date(), found.referral.receivedAt);
    const again = (status: number, errors: FieldError[]) =>
      sendPage(reply, status, this.templates.page('workspace/record', { title: 'Record what happened', ...page, ...this.recordContext(referralId), form: echo(form), ...errorList(errors) }));
    if (!parsed.ok) return again(422, parsed.errors);
    const result = await this.casework.recordOutcome(viewerOf(user), referralId, parsed.value);
    if (result.state === 'forbidden') return this.forbidden(reply, page);
    if (result.state === 'not-found') return this.notFound(reply, page);
    if (result.state === 'refused') return again(409, [{ field: 'kind', message: `This cannot be recorded now: ${result.reason}` }]);
    this.redirect(reply, referralId, parsed.value.kind);
  }

  @Get('referrals/:referralId/measures/:measure')
  async measureForm(@Param('referralId') referralId: string, @Param('measure') measure: string, @CurrentUser() user: WorkspaceUser, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): Promise<void> {
    if (!isWellbeingMeasure(measure)) return this.notFound(reply, page);
    const found = await this.allowed(referralId, user, reply, page, (access) => access.mayRecord);
    if (!found) return;
    sendPage(reply, 200, this.templates.page('workspace/measure', { title: MEASURE_QUESTIONS[measure].title, ...page, ...this.measureContext(referralId, measure, {}, {}) }));
  }

  @Post('referrals/:referralId/measures/:measure')
  async recordMeasure(@Param('referralId') referralId: string, @Param('measure') measure: string, @Body() form: Form | undefined, @CurrentUser() user: WorkspaceUser, @PageContext() page: PageContextValue, @Res() reply: FastifyReply): Promise<void> {
    if (!isWellbeingMeasure(measure)) return this.notFound(reply, page);
    const found = await this.allowed(referralId, user, reply, page, (access) => access.mayRecord);
    if (!found) return;
    const parsed = parseMeasureForm(measure, form ?? {}, new Date());
    const again = (status: number, errors: FieldError[]) =>
      sendPage(reply, status, this.templates.page('workspace/measure', { title: MEASURE_QUESTIONS[measure].title, ...page, ...this.measureContext(referralId, measure, echo(form), errorList(errors).fieldErrors), ...errorList(errors) }));
    if (!parsed.ok) return again(422, parsed.errors);
    const result = await this.casework.recordMeasure(viewerOf(user), referralId, parsed.value);
    if (result.state === 'forbidden') return this.forbidden(reply, page);
    if (result.state === 'not-found') return this.notFound(reply, page);
    if (result.state === 'refused') return again(409, [{ field: 'timepoint', message: `This cannot be recorded now: ${result.reason}` }]);
    const questions = MEASURE_QUESTIONS[measure];
    sendPage(
      reply,
      201,
      this.templates.page('workspace/measure-recorded', {
        title: `${questions.title} recorded`,
        ...page,
        ...this.reference(referralId),
        questions,
        timepoint: parsed.value.timepoint,
        score: scoreText(measure, parsed.value.score),
        answers: questions.questions.map((question, index) => ({ question, answer: questions.answers.find((answer) => answer.value === parsed.value.items[index])?.label ?? String(parsed.value.items[index]) })),
      }),
    );
  }

  /** Loads the referral and checks the viewer may see it and do this; otherwise answers 404 or 403 itself. */
  private async allowed(referralId: string, user: WorkspaceUser, reply: FastifyReply, page: PageContextValue, may: (access: ReferralAccess) => boolean) {
    if (!UUID.test(referralId)) {
      this.notFound(reply, page);
      return undefined;
    }
    const found = await this.casework.access(viewerOf(user), referralId);
    if ('state' in found) {
      if (found.state === 'forbidden') this.forbidden(reply, page);
      else this.notFound(reply, page);
      return undefined;
    }
    if (!may(found.access)) {
      this.forbidden(reply, page, `/workspace/referrals/${referralId}`);
      return undefined;
    }
    return found;
  }

  private reference(referralId: string) {
    return { referralId, reference: referralId.slice(0, 8).toUpperCase() };
  }

  private async handOffContext(referral: { referralId: string; needs: string[]; area: string | null }, tasks: Parameters<typeof handOffChoices>[1]) {
    const choices = handOffChoices(referral, tasks, await this.store.suggestions(referral.referralId), await this.directory.organisationsMeeting(referral.needs));
    return { ...this.reference(referral.referralId), needs: needsText(referral.needs), choices };
  }

  private recordContext(referralId: string) {
    return { ...this.reference(referralId), kinds: OUTCOME_KINDS, reasons: CLOSE_REASON_OPTIONS };
  }

  private measureContext(referralId: string, measure: keyof typeof MEASURE_QUESTIONS, form: Record<string, string>, fieldErrors: Record<string, string>) {
    const questions = MEASURE_QUESTIONS[measure];
    return {
      ...this.reference(referralId),
      questions,
      form,
      fieldErrors,
      inline: questions.answers.length > 5,
      items: questions.questions.map((question, index) => {
        const field = `item-${index + 1}`;
        return {
          number: index + 1,
          field,
          question,
          error: fieldErrors[field],
          // The first answer carries the field's id, so the error summary's link lands on it.
          answers: questions.answers.map((answer, position) => ({ ...answer, id: position === 0 ? field : `${field}-${answer.value}`, checked: form[field] === String(answer.value) })),
        };
      }),
    };
  }

  private async organisationNames(ids: string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const id of new Set(ids)) {
      const organisation = await this.directory.recipient('organisation', id);
      if (organisation) names.set(id, organisation.name);
    }
    return names;
  }

  private redirect(reply: FastifyReply, referralId: string, recorded?: string): void {
    reply.status(303).redirect(`/workspace/referrals/${referralId}${recorded ? `?recorded=${encodeURIComponent(recorded)}` : ''}`, 303);
  }

  private notFound(reply: FastifyReply, page: PageContextValue): void {
    sendPage(reply, 404, this.templates.page('message', { title: 'Referral not found', ...page, message: 'There is no referral at this address.', link: { href: '/workspace', text: 'Go to your referrals' } }));
  }

  private forbidden(reply: FastifyReply, page: PageContextValue, back = '/workspace'): void {
    sendPage(
      reply,
      403,
      this.templates.page('message', {
        title: 'You cannot do this',
        ...page,
        message: 'Only the referral’s link worker and the organisation that accepted it can see its details and record what happened. Nothing was changed.',
        link: { href: back, text: back === '/workspace' ? 'Go to your referrals' : 'Back to the referral' },
      }),
    );
  }
}
