import { Module } from '@nestjs/common';
import { RawJsonBodyParser } from '@app/shared';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { RecorderGuard } from './recorder.guard';
import { RecordingController } from './recording.controller';
import { RecordingService } from './recording.service';
import { RecordingStore } from './recording.store';
import { WebhookController } from './webhook.controller';

@Module({
  imports: [LifecycleModule],
  controllers: [RecordingController, WebhookController],
  providers: [RecordingService, RecordingStore, RecorderGuard, RawJsonBodyParser],
})
export class RecordingModule {}
