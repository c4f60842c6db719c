import { ICB_CODE, PCN_ODS_CODE, PRACTICE_ODS_CODE, SUB_ICB_CODE } from '@app/shared';

export const SCOPE_LEVELS = ['icb', 'sub-icb', 'pcn', 'practice'] as const;
export type ScopeLevel = (typeof SCOPE_LEVELS)[number];

export const COMMISSIONER_KINDS = ['commissioner', 'evaluator'] as const;
export type CommissionerKind = (typeof COMMISSIONER_KINDS)[number];

/** Who commissions (or evaluates) what: every feed, report and extract is cut to this scope. */
export interface Commissioner {
  id: string;
  name: string;
  kind: CommissionerKind;
  scopeLevel: ScopeLevel;
  scopeCodes: string[];
  pseudonymSalt: string;
}

export interface NewCommissioner {
  name: string;
  kind?: CommissionerKind;
  scope: { level: ScopeLevel; codes: string[] };
}

const CODE_FORMATS: Record<ScopeLevel, RegExp> = {
  icb: ICB_CODE,
  'sub-icb': SUB_ICB_CODE,
  pcn: PCN_ODS_CODE,
  practice: PRACTICE_ODS_CODE,
};

export const COMMISSIONER_KEY_PREFIX = 'spc';

export function scopeProblems(scope: NewCommissioner['scope']): string[] {
  if (!SCOPE_LEVELS.includes(scope.level)) return [`scope level must be one of ${SCOPE_LEVELS.join(', ')}`];
  if (scope.codes.length === 0) return ['a scope needs at least one code'];
  return scope.codes.filter((code) => !CODE_FORMATS[scope.level].test(code)).map((code) => `${code} is not a ${scope.level} code`);
}

/** SQL restricting "referral" rows (alias r) to a commissioner's area; parameters start at $index. */
export function scopeCondition(commissioner: Commissioner, alias: string, index: number): { sql: string; params: unknown[] } {
  const column = { icb: 'icb_code', 'sub-icb': 'sub_icb_code', pcn: 'pcn_ods_code', practice: 'practice_ods_code' }[commissioner.scopeLevel];
  return { sql: `${alias}."${column}" = ANY($${index}::text[])`, params: [commissioner.scopeCodes] };
}
