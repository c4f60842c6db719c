import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventContext, EventEnvelope, ServiceName, eventsConsumedBy } from '@app/shared';
import { LifecycleStore } from './lifecycle.store';

/** Every event the topology routes to outcomes lands here: the topology is the one list of what we hear. */
@Controller()
export class LifecycleController {
  constructor(private readonly store: LifecycleStore) {}

  @EventPattern(eventsConsumedBy(ServiceName.Outcomes))
  async onEvent(@Payload() event: EventEnvelope, @Ctx() ctx: EventContext): Promise<void> {
    await this.store.ingest(ctx.manager, event);
  }
}
