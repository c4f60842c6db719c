import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EventPublisher, EventType, correlationIdOrNew } from '@app/shared';
import { CreateReferralDto } from './referral.dto';
import { Referral } from './referral.entity';

@Injectable()
export class ReferralsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventPublisher,
  ) {}

  /** Stores the referral and its referral.received event in one transaction: both or neither. */
  async receive(input: CreateReferralDto): Promise<Referral> {
    return this.dataSource.transaction(async (manager) => {
      const referral = manager.create(Referral, {
        id: randomUUID(),
        status: 'received',
        practiceOdsCode: input.practiceOdsCode,
        needs: input.needs,
        urgency: input.urgency ?? 'routine',
        consentToShare: true,
        patient: { ...input.patient },
        notes: input.notes ?? null,
        correlationId: correlationIdOrNew(),
      });
      await manager.save(referral);
      await this.events.publish(manager, EventType.ReferralReceived, {
        referralId: referral.id,
        correlationId: referral.correlationId,
        payload: {
          practiceOdsCode: referral.practiceOdsCode,
          needs: referral.needs,
          urgency: referral.urgency,
          consentToShare: true,
          patient: referral.patient,
          receivedAt: referral.receivedAt.toISOString(),
        },
      });
      return referral;
    });
  }

  async get(id: string): Promise<Referral> {
    const referral = await this.dataSource.getRepository(Referral).findOneBy({ id });
    if (!referral) throw new NotFoundException(`Referral ${id} not found`);
    return referral;
  }
}
