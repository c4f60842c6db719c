import { Module } from '@nestjs/common';
import { CommissionerGuard } from '../commissioners/commissioner.guard';
import { ExtractsController } from './extracts.controller';
import { ResearchExtractService } from './research-extract.service';

@Module({
  controllers: [ExtractsController],
  providers: [ResearchExtractService, CommissionerGuard],
})
export class ExtractsModule {}
