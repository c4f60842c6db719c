import { Controller, Get, Header, Param, Query, Req, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ProblemException, problem } from '@app/shared';
import { AuthenticatedRequest, SenderAuthGuard } from '../../senders/sender-auth.guard';
import { Signed, problemResponse } from '../referrals.controller';
import { ReferralsService } from '../referrals.service';
import { FHIR_JSON } from './operation-outcome';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A sender follows its referrals as FHIR R4 Tasks: one Task per referral, its id the referral's, its
 * focus the ServiceRequest the sender sent. Signed and scoped to the sender like every other request;
 * refusals are OperationOutcomes.
 */
@ApiTags('fhir')
@Controller('fhir/Task')
@UseGuards(SenderAuthGuard)
export class FhirTaskController {
  constructor(private readonly referrals: ReferralsService) {}

  @Get()
  @Header('content-type', `${FHIR_JSON}; charset=utf-8`)
  @ApiOperation({
    summary: 'Find the Task that fulfils a referral you sent',
    description: 'A FHIR searchset Bundle with the referral\'s Task, or none. focus is the referralId you were given, as ServiceRequest/{referralId}.',
  })
  @ApiQuery({ name: 'focus', required: true, example: 'ServiceRequest/3b0c8f8e-1f5e-4c4b-9d0e-6a1c2b3d4e5f' })
  @ApiProduces(FHIR_JSON)
  @Signed()
  @ApiResponse({ status: 200, description: 'Bundle (searchset) of Tasks.' })
  @ApiResponse(problemResponse(400, 'focus missing or not ServiceRequest/{referralId}.'))
  async search(@Req() request: AuthenticatedRequest, @Query('focus') focus: unknown) {
    const match = typeof focus === 'string' ? /^ServiceRequest\/(.+)$/.exec(focus) : null;
    if (!match || !UUID.test(match[1])) {
      throw new ProblemException(problem(400, 'focus must be ServiceRequest/{referralId}, the referralId intake answered with'));
    }
    const task = await this.referrals.taskForSender(match[1], request.sender.id);
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: task ? 1 : 0,
      link: [{ relation: 'self', url: `Task?focus=${encodeURIComponent(focus as string)}` }],
      entry: task ? [{ fullUrl: `Task/${task.id as string}`, resource: task, search: { mode: 'match' } }] : [],
    };
  }

  @Get(':id')
  @Header('content-type', `${FHIR_JSON}; charset=utf-8`)
  @ApiOperation({
    summary: 'A referral you sent, as a FHIR R4 Task',
    description:
      'SDOH Clinical Care referral-management pattern: status requested / accepted / rejected / in-progress / completed / cancelled, businessStatus our finer status, ' +
      'statusReason for declines, closures and cancellations, owner the organisation that took it on, output the outcome.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The referralId.' })
  @ApiProduces(FHIR_JSON)
  @Signed()
  @ApiResponse({ status: 200, description: 'Task.' })
  @ApiResponse(problemResponse(404, 'No such referral from this sender.'))
  async read(@Req() request: AuthenticatedRequest, @Param('id') id: string) {
    const task = UUID.test(id) ? await this.referrals.taskForSender(id, request.sender.id) : undefined;
    if (!task) throw new ProblemException(problem(404, `Task/${id} not found`));
    return task;
  }
}
