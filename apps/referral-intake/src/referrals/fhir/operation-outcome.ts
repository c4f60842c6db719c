import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FieldProblem, PROBLEM_CONTENT_TYPE, ProblemDetails, pointerTokens } from '@app/shared';
import { asObject, asString } from './fhir-references';

export const FHIR_JSON = 'application/fhir+json';

/** FHIR R4 OperationOutcome.issue.code for each refusal status (http://hl7.org/fhir/R4/valueset-issue-type.html). */
const ISSUE_TYPE: Record<number, string> = {
  400: 'structure',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  406: 'not-supported',
  409: 'conflict',
  410: 'deleted',
  413: 'too-costly',
  415: 'not-supported',
  422: 'invalid',
  429: 'throttled',
  503: 'transient',
};

export interface OperationOutcomeIssue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  code: string;
  diagnostics?: string;
  expression?: string[];
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: OperationOutcomeIssue[];
}

/**
 * A JSON pointer into a posted FHIR resource as a FHIRPath expression, resources inside a Bundle entry or a
 * contained list typed: /entry/8/resource/identifier/0/value → Bundle.entry[8].resource.ofType(Patient).identifier[0].value.
 * Undefined when the body is not a FHIR resource.
 */
export function fhirPathOf(pointer: string, body: unknown): string | undefined {
  const rootType = asString(asObject(body)?.resourceType);
  if (!rootType || !/^[A-Z][A-Za-z]+$/.test(rootType)) return undefined;
  let path = rootType;
  let current: unknown = body;
  let previous = '';
  const tokens = pointerTokens(pointer);
  for (const token of tokens) {
    if (/^\d+$/.test(token)) {
      path += `[${token}]`;
      current = Array.isArray(current) ? current[Number(token)] : undefined;
    } else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(token)) {
      path += `.${token}`;
      current = asObject(current)?.[token];
    } else {
      return path;
    }
    const type = asString(asObject(current)?.resourceType);
    if (type && /^[A-Z][A-Za-z]+$/.test(type) && (token === 'resource' || previous === 'contained')) path += `.ofType(${type})`;
    previous = token;
  }
  return path;
}

/**
 * The same refusal as problem+json, as a FHIR R4 OperationOutcome: one issue per bad field, its
 * FHIRPath expression pointing into the posted resource; the HTTP status stays the same.
 */
export function problemToOperationOutcome(problem: ProblemDetails, body: unknown): OperationOutcome {
  const code = ISSUE_TYPE[problem.status] ?? (problem.status >= 500 ? 'exception' : 'processing');
  const severity = problem.status >= 500 ? 'fatal' : 'error';
  const fields: FieldProblem[] = Array.isArray(problem.errors) ? problem.errors : [];
  if (fields.length === 0) {
    return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics: problem.detail ?? problem.title }] };
  }
  return {
    resourceType: 'OperationOutcome',
    issue: fields.map((field) => {
      const expression = fhirPathOf(field.pointer, body);
      return { severity, code, diagnostics: field.detail, ...(expression ? { expression: [expression] } : {}) };
    }),
  };
}

/**
 * FHIR clients get FHIR: a request sent as application/fhir+json, or accepting it, unless it asks for
 * problem+json explicitly and not for FHIR.
 */
export function wantsFhir(headers: { accept?: string; 'content-type'?: string }): boolean {
  const accept = (headers.accept ?? '').toLowerCase();
  if (accept.includes(FHIR_JSON)) return true;
  if (accept.includes('application/problem+json')) return false;
  return (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === FHIR_JSON;
}

/**
 * Every refusal intake sends leaves its exception filter as problem+json; for FHIR clients, and on the
 * /fhir routes, this turns it into an OperationOutcome on the way out, whatever raised it (guard, body
 * parser, controller).
 */
@Injectable()
export class OperationOutcomeReplies implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addHook) return;
    fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const type = String(reply.getHeader('content-type') ?? '');
      const fhirRoute = request.url.startsWith('/fhir/');
      if (!type.startsWith(PROBLEM_CONTENT_TYPE) || typeof payload !== 'string' || !(fhirRoute || wantsFhir(request.headers))) return payload;
      let problem: ProblemDetails;
      try {
        problem = JSON.parse(payload) as ProblemDetails;
      } catch {
        return payload;
      }
      reply.header('content-type', `${FHIR_JSON}; charset=utf-8`);
      return JSON.stringify(problemToOperationOutcome(problem, request.body));
    });
  }
}
