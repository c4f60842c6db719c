import { Module } from '@nestjs/common';
import { CommissionerGuard } from '../commissioners/commissioner.guard';
import { ReportsController } from './reports.controller';
import { SummaryService } from './summary.service';

@Module({
  controllers: [ReportsController],
  providers: [SummaryService, CommissionerGuard],
})
export class ReportsModule {}
