import { currentCorrelation } from './correlation';

/** What a log line may say about an error: never a database error's query, parameters or detail. */
export interface SerializedError {
  type: string;
  message: string;
  code?: string;
  correlationId?: string;
  stack?: string;
  cause?: SerializedError;
}

interface ErrorLike {
  name?: unknown;
  type?: unknown;
  message?: unknown;
  code?: unknown;
  stack?: unknown;
  cause?: unknown;
  query?: unknown;
  parameters?: unknown;
  driverError?: { code?: unknown };
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * PostgreSQL quotes the offending value after a colon ("invalid input syntax for type date: "1948-W07"",
 * "invalid byte sequence ...: 0x00"), while identifiers it quotes follow a noun ("relation "x"").
 * Values go; identifiers stay, because they say where to look.
 */
function withoutDatabaseValues(message: string): string {
  return message.replace(/(:\s*)"(?:[^"\\]|\\.)*"/g, '$1"[value removed]"').replace(/(\bKey \().*?(\)=\().*?\)/g, '$1…$2…)');
}

function isDatabaseError(error: ErrorLike): boolean {
  return (
    error.name === 'QueryFailedError' ||
    error.type === 'QueryFailedError' ||
    error.driverError !== undefined ||
    error.query !== undefined ||
    error.parameters !== undefined ||
    (typeof error.code === 'string' && SQLSTATE.test(error.code))
  );
}

/** Only the frames: the first stack line repeats the message, which was already cleaned. */
function framesOf(stack: unknown): string | undefined {
  if (typeof stack !== 'string') return undefined;
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line));
  return frames.length > 0 ? frames.join('\n') : undefined;
}

/**
 * The one way errors reach our logs (pino's err/error serializer, the problem-details filter, every
 * message that mentions a failure): the error's type, code and message, the correlation id of the work
 * in hand and the stack frames. Everything else an error carries (TypeORM's query and parameters, the
 * driver's detail, a request body) is left out, because those hold patient data.
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (error === null || typeof error !== 'object') {
    return { type: typeof error, message: String(error).slice(0, 500) };
  }
  const candidate = error as ErrorLike;
  const type = String(candidate.name ?? candidate.type ?? (error as object).constructor?.name ?? 'Error');
  const rawMessage = typeof candidate.message === 'string' ? candidate.message : '';
  const database = isDatabaseError(candidate);
  const code = candidate.code ?? candidate.driverError?.code;
  const serialized: SerializedError = {
    type,
    message: database ? withoutDatabaseValues(rawMessage) : rawMessage,
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
  };
  const correlationId = currentCorrelation()?.correlationId;
  if (correlationId) serialized.correlationId = correlationId;
  const stack = framesOf(candidate.stack);
  if (stack) serialized.stack = stack;
  if (candidate.cause !== undefined && depth < 3) serialized.cause = serializeError(candidate.cause, depth + 1);
  return serialized;
}

/** One line for a log message: "QueryFailedError (22P02): invalid input syntax ...". */
export function describeError(error: unknown): string {
  const { type, code, message } = serializeError(error);
  return `${type}${code ? ` (${code})` : ''}: ${message}`;
}
