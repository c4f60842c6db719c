import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentRecorder, RECORDER_KEY_SCHEME, RecorderGuard } from './recorder.guard';
import { Recorder } from './recorders';
import { RecordedMeasure, RecordedOutcome, RecorderView, RecordingService } from './recording.service';

@ApiTags('recording')
@ApiBearerAuth(RECORDER_KEY_SCHEME)
@Controller('v1/referrals/:referralId')
@UseGuards(RecorderGuard)
export class RecordingController {
  constructor(private readonly recording: RecordingService) {}

  /** Where a referral tasked to the caller stands, and the measures recorded for it. */
  @ApiOperation({ summary: 'A referral as its recorder sees it: status and what was recorded' })
  @Get()
  view(@CurrentRecorder() recorder: Recorder, @Param('referralId', new ParseUUIDPipe()) referralId: string): Promise<RecorderView> {
    return this.recording.view(recorder, referralId);
  }

  /** First contact, a session attended or missed, completion, or closure with a reason. */
  @ApiOperation({ summary: 'Record an outcome: contacted, session-attended, did-not-attend, completed, or closed with a reason' })
  @Post('outcomes')
  @HttpCode(201)
  outcome(@CurrentRecorder() recorder: Recorder, @Param('referralId', new ParseUUIDPipe()) referralId: string, @Body() body: unknown): Promise<RecordedOutcome> {
    return this.recording.recordOutcome(recorder, referralId, body);
  }

  /** A wellbeing measure (ONS4, SWEMWBS, UCLA3) at the start or end of support. */
  @ApiOperation({ summary: 'Record a wellbeing measure (ONS4, SWEMWBS, UCLA 3-item) at the start or end' })
  @Post('measures')
  @HttpCode(201)
  measure(@CurrentRecorder() recorder: Recorder, @Param('referralId', new ParseUUIDPipe()) referralId: string, @Body() body: unknown): Promise<RecordedMeasure> {
    return this.recording.recordMeasure(recorder, referralId, body);
  }
}
