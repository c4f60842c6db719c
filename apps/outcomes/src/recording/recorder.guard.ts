import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { CredentialGuard } from '@app/shared';
import { Recorder } from './recorders';
import { RecordingStore } from './recording.store';

type WithRecorder = FastifyRequest & { recorder?: Recorder };

/** The OpenAPI security scheme this guard enforces (declared in /docs). */
export const RECORDER_KEY_SCHEME = 'recorderKey';

/** The outcome API answers to an organisation's or link worker's key: Authorization: Bearer <key>. */
export const RecorderGuard = CredentialGuard({
  credential: 'bearer',
  inject: RecordingStore,
  verify: (recordings: RecordingStore, key) => recordings.findByKey(key),
  requestProperty: 'recorder',
  refusal: 'An organisation or link worker API key is required: Authorization: Bearer <key>.',
});

export const CurrentRecorder = createParamDecorator((_data: unknown, context: ExecutionContext): Recorder => {
  return context.switchToHttp().getRequest<WithRecorder>().recorder as Recorder;
});
