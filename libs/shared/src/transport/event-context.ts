import { BaseRpcContext } from '@nestjs/microservices';
import { Job } from 'bullmq';
import { EntityManager } from 'typeorm';
import { EventEnvelope } from '../events';

export type AfterCommit = () => Promise<unknown> | unknown;

/**
 * What an @EventPattern handler gets besides the event: the transaction its effects must use (the same
 * one that records the event in the inbox), and a place for work that may only start once they commit.
 */
export class EventContext extends BaseRpcContext<[EventEnvelope, EntityManager, Job]> {
  readonly afterCommitCallbacks: AfterCommit[] = [];

  get envelope(): EventEnvelope {
    return this.args[0];
  }

  get manager(): EntityManager {
    return this.args[1];
  }

  get job(): Job {
    return this.args[2];
  }

  afterCommit(callback: AfterCommit): void {
    this.afterCommitCallbacks.push(callback);
  }
}
