import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { CreateReferralDto } from './referral.dto';
import { ReferralsService } from './referrals.service';
import { Referral } from './referral.entity';

function statusView(referral: Referral) {
  return {
    referralId: referral.id,
    status: referral.status,
    practiceOdsCode: referral.practiceOdsCode,
    needs: referral.needs,
    urgency: referral.urgency,
    receivedAt: referral.receivedAt,
    updatedAt: referral.updatedAt,
    statusUrl: `/v1/referrals/${referral.id}`,
  };
}

@Controller('v1/referrals')
export class ReferralsController {
  constructor(private readonly referrals: ReferralsService) {}

  @Post()
  @HttpCode(202)
  async create(@Body() body: CreateReferralDto) {
    const referral = await this.referrals.receive(body);
    return { referralId: referral.id, status: referral.status, statusUrl: `/v1/referrals/${referral.id}` };
  }

  @Get(':id')
  async get(@Param('id', new ParseUUIDPipe()) id: string) {
    return statusView(await this.referrals.get(id));
  }
}
