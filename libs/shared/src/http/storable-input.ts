import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { pointerToken } from './json-pointer';
import { FieldProblem, ProblemException, problem } from './problem-details';

/** Deeper than any document we accept (a FHIR message Bundle reaches about 12); deep enough to be generous. */
export const MAX_INPUT_DEPTH = 32;

const NUL = /\u0000/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function textProblem(text: string): string | undefined {
  if (NUL.test(text)) return 'must not contain a NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode text (it holds a lone surrogate)';
  return undefined;
}

/**
 * Property names that reach object prototypes. Object mappers (class-transformer) read `constructor` as
 * the class of a value and crash on a plain property of that name; no document we accept uses them.
 */
const RESERVED_PROPERTY_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Text PostgreSQL cannot store (NUL, lone UTF-16 surrogates), reserved property names and nesting deeper than MAX_INPUT_DEPTH,
 * anywhere in a parsed input, each named by a JSON pointer. Checked once for every request, so no field
 * of any route can reach the database (or a recursive walk) with them. Recursion stops at the depth limit.
 */
export function unstorableInputProblems(value: unknown, base = '', depth = 0, found: FieldProblem[] = []): FieldProblem[] {
  if (found.length >= 20) return found;
  if (typeof value === 'string') {
    const detail = textProblem(value);
    if (detail) found.push({ pointer: base, detail });
    return found;
  }
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return found;
  if (depth >= MAX_INPUT_DEPTH) {
    found.push({ pointer: base, detail: `must not nest more than ${MAX_INPUT_DEPTH} levels deep` });
    return found;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => unstorableInputProblems(item, `${base}/${index}`, depth + 1, found));
    return found;
  }
  for (const [key, item] of Object.entries(value)) {
    const keyDetail = RESERVED_PROPERTY_NAMES.has(key) ? `must not be "${key}", a reserved property name` : textProblem(key);
    if (keyDetail) found.push({ pointer: `${base}/${pointerToken(key)}`, detail: `the property name ${keyDetail}` });
    else unstorableInputProblems(item, `${base}/${pointerToken(key)}`, depth + 1, found);
  }
  return found;
}

/**
 * Refuses a request whose body, query string or path holds unstorable text or runaway nesting, before
 * any pipe or handler sees it: 422 for the body, 400 for the address. Guards run first, so an
 * unauthenticated caller still gets 401.
 */
@Injectable()
export class StorableInputInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const address = [...unstorableInputProblems(request.params ?? {}), ...unstorableInputProblems(request.query ?? {})];
    if (address.length > 0) throw new ProblemException(problem(400, 'The address holds text we cannot accept: see errors', { errors: address }));
    const body = unstorableInputProblems(request.body);
    if (body.length > 0) throw new ProblemException(problem(422, 'The request holds text we cannot accept: see errors', { errors: body }));
    return next.handle();
  }
}
