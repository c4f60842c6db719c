import { Module } from '@nestjs/common';
import { CommissionerGuard } from '../commissioners/commissioner.guard';
import { CommissionerStore } from '../commissioners/commissioner.store';
import { ExtractsController } from './extracts.controller';
import { ResearchExtractService } from './research-extract.service';
import { ResearchExtractStore } from './research-extract.store';

@Module({
  controllers: [ExtractsController],
  providers: [ResearchExtractService, ResearchExtractStore, CommissionerGuard, CommissionerStore],
})
export class ExtractsModule {}
