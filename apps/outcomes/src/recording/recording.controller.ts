import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { CurrentRecorder, RecorderGuard } from './recorder.guard';
import { Recorder } from './recorders';
import { RecordedMeasure, RecordedOutcome, RecorderView, RecordingService } from './recording.service';

@Controller('v1/referrals/:referralId')
@UseGuards(RecorderGuard)
export class RecordingController {
  constructor(private readonly recording: RecordingService) {}

  /** Where a referral tasked to the caller stands, and the measures recorded for it. */
  @Get()
  view(@CurrentRecorder() recorder: Recorder, @Param('referralId', new ParseUUIDPipe()) referralId: string): Promise<RecorderView> {
    return this.recording.view(recorder, referralId);
  }

  /** First contact, a session attended or missed, completion, or closure with a reason. */
  @Post('outcomes')
  @HttpCode(201)
  outcome(@CurrentRecorder() recorder: Recorder, @Param('referralId', new ParseUUIDPipe()) referralId: string, @Body() body: unknown): Promise<RecordedOutcome> {
    return this.recording.recordOutcome(recorder, referralId, body);
  }

  /** A wellbeing measure (ONS4, SWEMWBS, UCLA3) at the start or end of support. */
  @Post('measures')
  @HttpCode(201)
  measure(@CurrentRecorder() recorder: Recorder, @Param('referralId', new ParseUUIDPipe()) referralId: string, @Body() body: unknown): Promise<RecordedMeasure> {
    return this.recording.recordMeasure(recorder, referralId, body);
  }
}
