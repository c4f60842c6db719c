import { Module } from '@nestjs/common';
import { CommissionerGuard } from '../commissioners/commissioner.guard';
import { CommissionerStore } from '../commissioners/commissioner.store';
import { FeedService } from './feed.service';
import { FeedStore } from './feed.store';
import { FeedsController } from './feeds.controller';

@Module({
  controllers: [FeedsController],
  providers: [FeedService, FeedStore, CommissionerGuard, CommissionerStore],
})
export class FeedsModule {}
