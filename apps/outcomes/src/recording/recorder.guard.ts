import { CanActivate, ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { ProblemException, problem } from '@app/shared';
import { bearerToken } from '../http/bearer';
import { Recorder } from './recorders';
import { RecordingStore } from './recording.store';

type WithRecorder = FastifyRequest & { recorder?: Recorder };

/** The OpenAPI security scheme this guard enforces (declared in /docs). */
export const RECORDER_KEY_SCHEME = 'recorderKey';

/** The outcome API answers to an organisation's or link worker's key: Authorization: Bearer <key>. */
@Injectable()
export class RecorderGuard implements CanActivate {
  constructor(private readonly recordings: RecordingStore) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WithRecorder>();
    const key = bearerToken(request.headers.authorization);
    const recorder = key ? await this.recordings.findByKey(key) : null;
    if (!recorder) {
      throw new ProblemException(problem(401, 'An organisation or link worker API key is required: Authorization: Bearer <key>.'), { 'WWW-Authenticate': 'Bearer' });
    }
    request.recorder = recorder;
    return true;
  }
}

export const CurrentRecorder = createParamDecorator((_data: unknown, context: ExecutionContext): Recorder => {
  return context.switchToHttp().getRequest<WithRecorder>().recorder as Recorder;
});
