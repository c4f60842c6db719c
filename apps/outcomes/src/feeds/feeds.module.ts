import { Module } from '@nestjs/common';
import { CommissionerGuard } from '../commissioners/commissioner.guard';
import { FeedService } from './feed.service';
import { FeedsController } from './feeds.controller';

@Module({
  controllers: [FeedsController],
  providers: [FeedService, CommissionerGuard],
})
export class FeedsModule {}
