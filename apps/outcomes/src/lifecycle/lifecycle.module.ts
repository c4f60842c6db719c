import { Module } from '@nestjs/common';
import { LifecycleController } from './lifecycle.controller';
import { LifecycleStore } from './lifecycle.store';

@Module({
  controllers: [LifecycleController],
  providers: [LifecycleStore],
  exports: [LifecycleStore],
})
export class LifecycleModule {}
