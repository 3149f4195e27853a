import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { ByokError, NoPolicyVersionError, PolicyValidationError } from '../errors.js';
import { parseRate } from '../money/rate.js';
import { createRouter } from '../routing/router.js';
import { FAILOVER_MODES, ROUTES, type RouteParams } from '../routing/routeTypes.js';
import { ROUTING_FACTS } from '../routing/router.js';
import { validateRules } from '../rules/validateRules.js';
import { SCOPE_MODES } from '../scope/scope.js';
import { type PeriodCalendar, createPeriodCalendar } from '../time/periodCalendar.js';
import { formatInstant } from '../time/instant.js';
import { parseTimestamp } from '../time/parseTimestamp.js';
import { child } from '../validation/jsonPath.js';
import {
  type JsonObject,
  readArray,
  readBoolean,
  readEnum,
  readInteger,
  readObject,
  readString,
} from '../validation/readJson.js';
import { CHARGE_KINDS, type ChargeParams } from './chargeTypes.js';
import { CHARGE_FACTS, createCharger } from './charger.js';
import { canonicalJson } from './canonicalJson.js';
import { type FeeTerms, feeTermsShorthand, shorthandFeeTerms, summaryAllowance, summaryFeeRate } from './feeTerms.js';
import { COUNT_MODES, type Policy, type PolicyParameters, type PolicyRules, type PolicyVersion } from './policyTypes.js';
import { readFees, readRateText } from './readFees.js';
import {
  SCHEDULE_FACTS,
  type ScheduleChooser,
  type ScheduleRuleTable,
  checkScheduleCondition,
  compileScheduleRules,
  createScheduleChooser,
  readScheduleParams,
} from './scheduleChooser.js';

export const POLICY_FORMAT = 'byok-policy/v1';

const PARAMETER_KEYS = ['allowance', 'feeRate', 'scopeMode', 'counts', 'defaultFailoverMode', 'resetTimeZone', 'presentation', 'fees'] as const;

/** Parameters a document may leave out, with the defaults POLICY.md decides. */
const PARAMETER_DEFAULTS: Readonly<Record<string, unknown>> = {
  scopeMode: 'org',
  counts: 'served',
  defaultFailoverMode: 'fallback',
  resetTimeZone: 'UTC',
  presentation: { scale: 2, rounding: 'half-even' },
};

function readRouteParams(value: unknown, path: string): RouteParams {
  const obj = readObject(value, path, ['route', 'keyTried']);
  return {
    route: readEnum(obj.route, child(path, 'route'), ROUTES),
    keyTried: readBoolean(obj.keyTried, child(path, 'keyTried')),
  };
}

function readChargeParams(value: unknown, path: string): ChargeParams {
  const obj = readObject(value, path, ['charge']);
  return { charge: readEnum(obj.charge, child(path, 'charge'), CHARGE_KINDS) };
}

function readRules(value: unknown, path: string): PolicyRules {
  const obj = readObject(value, path, ['routing', 'charge', 'schedule']);
  const rules = {
    routing: validateRules(obj.routing, child(path, 'routing'), { facts: ROUTING_FACTS, eventType: 'route', readParams: readRouteParams }),
    charge: validateRules(obj.charge, child(path, 'charge'), { facts: CHARGE_FACTS, eventType: 'charge', readParams: readChargeParams }),
  };
  if (obj.schedule === undefined) return rules;
  const schedule = validateRules(obj.schedule, child(path, 'schedule'), {
    facts: SCHEDULE_FACTS,
    eventType: 'schedule',
    readParams: readScheduleParams,
    checkCondition: checkScheduleCondition,
  });
  return { ...rules, schedule };
}

/** A `fees` object as read at one level: its compiled terms and where it is. */
interface FeesAt {
  readonly terms: FeeTerms;
  readonly path: string;
}

/** Checks a (partial) parameters object; returns it with each present value validated. */
function readParameterOverrides(value: unknown, path: string): JsonObject {
  if (value === undefined) return {};
  const obj = readObject(value, path, PARAMETER_KEYS);
  const out: Record<string, unknown> = {};
  if (obj.fees !== undefined && (obj.allowance !== undefined || obj.feeRate !== undefined)) {
    throw new PolicyValidationError(
      child(path, 'fees'),
      `give either fees or the shorthand (${obj.allowance !== undefined ? 'allowance' : 'feeRate'} here), not both at one level; the shorthand allowance: A, feeRate: R is fees with one schedule "default"`,
    );
  }
  if (obj.allowance !== undefined) out.allowance = readInteger(obj.allowance, child(path, 'allowance'), 0);
  if (obj.feeRate !== undefined) {
    readRateText(obj.feeRate, child(path, 'feeRate'));
    out.feeRate = obj.feeRate;
  }
  if (obj.fees !== undefined) out.fees = { terms: readFees(obj.fees, child(path, 'fees')), path: child(path, 'fees') } satisfies FeesAt;
  if (obj.scopeMode !== undefined) out.scopeMode = readEnum(obj.scopeMode, child(path, 'scopeMode'), SCOPE_MODES);
  if (obj.counts !== undefined) out.counts = readEnum(obj.counts, child(path, 'counts'), COUNT_MODES);
  if (obj.defaultFailoverMode !== undefined) {
    out.defaultFailoverMode = readEnum(obj.defaultFailoverMode, child(path, 'defaultFailoverMode'), FAILOVER_MODES);
  }
  if (obj.resetTimeZone !== undefined) {
    const zone = readString(obj.resetTimeZone, child(path, 'resetTimeZone'), { nonEmpty: true });
    try {
      createPeriodCalendar(zone);
    } catch (e) {
      throw new PolicyValidationError(child(path, 'resetTimeZone'), (e as Error).message);
    }
    out.resetTimeZone = zone;
  }
  if (obj.presentation !== undefined) {
    const pPath = child(path, 'presentation');
    const p = readObject(obj.presentation, pPath, ['scale', 'rounding']);
    const presentation: Record<string, unknown> = {};
    if (p.scale !== undefined) presentation.scale = readInteger(p.scale, child(pPath, 'scale'), 0, 12);
    if (p.rounding !== undefined) presentation.rounding = readEnum(p.rounding, child(pPath, 'rounding'), ['half-even', 'half-up'] as const);
    out.presentation = presentation;
  }
  return out;
}

/** A version's parameters resolved, with its fee terms and where they come from. */
interface ResolvedParameters {
  readonly parameters: PolicyParameters;
  readonly feeTerms: FeeTerms;
  /** The path of the `fees` object, or of the level that gave the shorthand's allowance. */
  readonly feesPath: string;
}

/**
 * Merges the levels (the policy's defaults, then the version's): the most specific level
 * wins, `presentation` field by field. The fee terms are either a `fees` object or the
 * shorthand `allowance` + `feeRate` (never both at one level); a level's `fees` replaces
 * a less specific shorthand, and a level's shorthand a less specific `fees` (then its
 * allowance and feeRate must both be at that level, as there is nothing to merge with).
 */
function resolveParameters(layers: readonly { readonly values: JsonObject; readonly path: string }[], path: string): ResolvedParameters {
  const merged: Record<string, unknown> = { ...PARAMETER_DEFAULTS };
  let fees: FeesAt | undefined;
  let replacedFees: string | undefined;
  let allowancePath = path;
  for (const { values, path: layerPath } of layers) {
    for (const [key, value] of Object.entries(values)) {
      if (key === 'fees') {
        fees = value as FeesAt;
        delete merged.allowance;
        delete merged.feeRate;
        replacedFees = undefined;
      } else if (key === 'allowance' || key === 'feeRate') {
        if (fees !== undefined) replacedFees = fees.path;
        fees = undefined;
        merged[key] = value;
        if (key === 'allowance') allowancePath = layerPath;
      } else {
        merged[key] = key === 'presentation' ? { ...(merged.presentation as object), ...(value as object) } : value;
      }
    }
  }
  let feeTerms: FeeTerms;
  let allowance: number;
  let feeRate: PolicyParameters['feeRate'];
  if (fees !== undefined) {
    feeTerms = fees.terms;
    const shorthand = feeTermsShorthand(feeTerms);
    allowance = shorthand?.allowance ?? summaryAllowance(feeTerms);
    feeRate = shorthand?.feeRate ?? summaryFeeRate(feeTerms);
  } else {
    const replaced = `is required here: the shorthand at this level replaces ${replacedFees}, so give allowance and feeRate together (or fees)`;
    if (merged.allowance === undefined) {
      throw new PolicyValidationError(child(path, 'allowance'), replacedFees === undefined ? 'is required (here or in $.parameters)' : replaced);
    }
    if (merged.feeRate === undefined) {
      throw new PolicyValidationError(child(path, 'feeRate'), replacedFees === undefined ? 'is required (here or in $.parameters)' : replaced);
    }
    allowance = merged.allowance as number;
    feeRate = parseRate(merged.feeRate as string);
    feeTerms = shorthandFeeTerms(allowance, feeRate);
  }
  const presentation = merged.presentation as { scale: number; rounding: 'half-even' | 'half-up' };
  const parameters: PolicyParameters = Object.freeze({
    allowance,
    feeRate,
    scopeMode: merged.scopeMode as PolicyParameters['scopeMode'],
    counts: merged.counts as PolicyParameters['counts'],
    defaultFailoverMode: merged.defaultFailoverMode as PolicyParameters['defaultFailoverMode'],
    resetTimeZone: merged.resetTimeZone as string,
    presentation: Object.freeze({ scale: presentation.scale, rounding: presentation.rounding }),
  });
  return { parameters, feeTerms, feesPath: fees?.path ?? allowancePath };
}

interface CompiledRules extends Pick<PolicyVersion, 'router' | 'charger'> {
  /** The schedule rules decided for every combination of facts; undefined without `rules.schedule`. */
  readonly schedules: ScheduleRuleTable | undefined;
  /** Where the rules are. */
  readonly path: string;
}

function compileRules(rules: PolicyRules, path: string): CompiledRules {
  return {
    router: createRouter(rules.routing, child(path, 'routing')),
    charger: createCharger(rules.charge, child(path, 'charge')),
    schedules: rules.schedule === undefined ? undefined : compileScheduleRules(rules.schedule, child(path, 'schedule')),
    path,
  };
}

/**
 * Validates and compiles a policy document (already parsed from JSON). Every problem is
 * reported as a `PolicyValidationError` with the JSON path of the problem; the rules are
 * decided for every combination of facts here, so an incomplete or ambiguous rule set
 * is refused when the policy loads, not halfway through a log.
 *
 * @example
 * loadPolicy(defaultPolicyDocument).versions.map((v) => v.parameters.allowance)
 * //=> [0, 1000000]
 */
export function loadPolicy(document: unknown): Policy {
  // Work on a structural copy: the caller's object is never kept or mutated, and
  // anything that is not plain JSON (functions, getters, class instances) is refused.
  let copy: unknown;
  try {
    copy = JSON.parse(JSON.stringify(document));
  } catch {
    throw new PolicyValidationError('$', 'is not a JSON document');
  }
  const root = readObject(copy, '$', ['$schema', 'format', 'id', 'title', 'parameters', 'rules', 'versions']);
  if (root.format !== undefined && root.format !== POLICY_FORMAT) {
    throw new PolicyValidationError('$.format', `must be ${JSON.stringify(POLICY_FORMAT)}`);
  }
  const id = readString(root.id, '$.id', { nonEmpty: true });
  const title = root.title === undefined ? undefined : readString(root.title, '$.title');
  const baseParameters = readParameterOverrides(root.parameters, '$.parameters');
  const baseRules = root.rules === undefined ? undefined : readRules(root.rules, '$.rules');
  const baseCompiled = baseRules === undefined ? undefined : compileRules(baseRules, '$.rules');

  const versionItems = readArray(root.versions, '$.versions');
  if (versionItems.length === 0) throw new PolicyValidationError('$.versions', 'must hold at least one version');
  const labels = new Set<string>();
  // Versions with the same schedule rules and the same schedule names share one chooser.
  const choosers = new Map<ScheduleRuleTable | undefined, Map<string, ScheduleChooser>>();
  const chooserFor = (compiled: CompiledRules, feeTerms: FeeTerms, context: Parameters<typeof createScheduleChooser>[2]): ScheduleChooser => {
    const names = feeTerms.schedules.map((schedule) => schedule.name);
    let byNames = choosers.get(compiled.schedules);
    if (byNames === undefined) choosers.set(compiled.schedules, (byNames = new Map()));
    const key = names.join('\n');
    let chooser = byNames.get(key);
    if (chooser === undefined) byNames.set(key, (chooser = createScheduleChooser(compiled.schedules, names, context)));
    return chooser;
  };
  let previousCalendar: PeriodCalendar | undefined;
  const versions: PolicyVersion[] = versionItems.map((item, i) => {
    const path = child('$.versions', i);
    const obj = readObject(item, path, ['version', 'description', 'effectiveFrom', 'parameters', 'rules']);
    const version = readString(obj.version, child(path, 'version'), { nonEmpty: true });
    if (labels.has(version)) throw new PolicyValidationError(child(path, 'version'), `duplicate version ${JSON.stringify(version)}`);
    labels.add(version);
    const description = obj.description === undefined ? undefined : readString(obj.description, child(path, 'description'));
    const parametersPath = child(path, 'parameters');
    const { parameters, feeTerms, feesPath } = resolveParameters(
      [
        { values: baseParameters, path: '$.parameters' },
        { values: readParameterOverrides(obj.parameters, parametersPath), path: parametersPath },
      ],
      parametersPath,
    );
    let rules: PolicyRules;
    let compiled: CompiledRules;
    if (obj.rules !== undefined) {
      rules = readRules(obj.rules, child(path, 'rules'));
      compiled = compileRules(rules, child(path, 'rules'));
    } else if (baseRules !== undefined && baseCompiled !== undefined) {
      rules = baseRules;
      compiled = baseCompiled;
    } else {
      throw new PolicyValidationError(child(path, 'rules'), 'is required (here or in $.rules)');
    }
    const scheduleChooser = chooserFor(compiled, feeTerms, { version, feesPath, rulesPath: compiled.path });
    const calendar = createPeriodCalendar(parameters.resetTimeZone);
    let effectiveFromMs: number | null = null;
    const fromPath = child(path, 'effectiveFrom');
    if (obj.effectiveFrom !== undefined) {
      const text = readString(obj.effectiveFrom, fromPath);
      let instant;
      try {
        instant = parseTimestamp(text);
      } catch (e) {
        throw new PolicyValidationError(fromPath, e instanceof ByokError ? e.message : String(e));
      }
      const start = calendar.periodStartMs(calendar.periodOf(instant));
      if (instant.nanos !== 0 || start !== instant.epochMs) {
        throw new PolicyValidationError(
          fromPath,
          `${text} is not the start of a period; a version takes effect at a period boundary (POLICY.md D5), e.g. ${formatInstant({ epochMs: start, nanos: 0 })}`,
        );
      }
      // The previous version's last period must end here too, or that period would be
      // split between two versions (a change of reset time zone can do that).
      if (previousCalendar !== undefined && previousCalendar.periodStartMs(previousCalendar.periodOf(instant)) !== instant.epochMs) {
        throw new PolicyValidationError(
          fromPath,
          `${text} is not the start of a period of the previous version (reset time zone ${previousCalendar.resetTimeZone}); a version takes effect at a period boundary of both versions (POLICY.md D5)`,
        );
      }
      effectiveFromMs = instant.epochMs;
    } else if (i > 0) {
      throw new PolicyValidationError(fromPath, 'is required for every version but the first');
    }
    previousCalendar = calendar;
    const { router, charger } = compiled;
    return Object.freeze({ version, description, effectiveFromMs, parameters, rules, router, charger, feeTerms, scheduleChooser, calendar });
  });
  for (let i = 1; i < versions.length; i++) {
    const prev = versions[i - 1]!.effectiveFromMs;
    if (prev !== null && versions[i]!.effectiveFromMs! <= prev) {
      throw new PolicyValidationError(child(child('$.versions', i), 'effectiveFrom'), 'versions must be listed in increasing effectiveFrom order');
    }
  }

  const text = canonicalJson(copy);
  const first = versions[0]!;
  let cachedFrom = Number.POSITIVE_INFINITY;
  let cachedUntil = Number.NEGATIVE_INFINITY;
  let cached: PolicyVersion = first;
  return Object.freeze({
    id,
    title,
    sha256: bytesToHex(sha256(utf8ToBytes(text))),
    version: versions[versions.length - 1]!.version,
    document: copy,
    versions: Object.freeze(versions),
    versionAt(instant) {
      const ms = instant.epochMs;
      if (ms >= cachedFrom && ms < cachedUntil) return cached;
      for (let i = versions.length - 1; i >= 0; i--) {
        const v = versions[i]!;
        if (v.effectiveFromMs === null || ms >= v.effectiveFromMs) {
          cached = v;
          cachedFrom = v.effectiveFromMs ?? Number.NEGATIVE_INFINITY;
          cachedUntil = versions[i + 1]?.effectiveFromMs ?? Number.POSITIVE_INFINITY;
          return v;
        }
      }
      throw new NoPolicyVersionError(
        `${formatInstant(instant)} is before the policy's first version (${first.version}, from ${formatInstant({ epochMs: first.effectiveFromMs!, nanos: 0 })})`,
      );
    },
  });
}
