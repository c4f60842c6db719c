import { Module } from '@nestjs/common';
import { CommissionerGuard } from '../commissioners/commissioner.guard';
import { CommissionerStore } from '../commissioners/commissioner.store';
import { ReportsController } from './reports.controller';
import { SummaryService } from './summary.service';
import { SummaryStore } from './summary.store';

@Module({
  controllers: [ReportsController],
  providers: [SummaryService, SummaryStore, CommissionerGuard, CommissionerStore],
})
export class ReportsModule {}
