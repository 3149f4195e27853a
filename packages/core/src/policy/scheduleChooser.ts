import { InvalidRequestError, PolicyValidationError } from '../errors.js';
import { compileRules } from '../rules/decisionTable.js';
import type { FactCondition, RuleDocument } from '../rules/ruleDocument.js';
import { FAILOVER_MODES, type FailoverMode, KEY_RESULTS, type KeyResult, PLATFORM_RESULTS, type PlatformResult } from '../routing/routeTypes.js';
import { child } from '../validation/jsonPath.js';
import { describe, readObject, readString } from '../validation/readJson.js';

/**
 * Facts a schedule rule may test (docs/pricing-language.md §1): the log's `provider` and
 * `model` cells (`''` when absent or empty) and the routing facts.
 */
export const SCHEDULE_FACTS = ['provider', 'model', 'failoverMode', 'keyResult', 'platformResult'] as const;

/** Facts whose values are open-ended strings: compared only with these operators, to constant strings. */
export const STRING_FACTS = ['provider', 'model'] as const;
export const STRING_FACT_OPERATORS = ['equal', 'notEqual', 'in', 'notIn'] as const;

/** The rule name given to the choice of a version that has one schedule and no schedule rules. */
export const ONLY_SCHEDULE_RULE = 'only-schedule';

/**
 * How many combinations of facts a schedule rule set may have to decide when the policy
 * loads: (providers named + 1) × (models named + 1) × 24.
 */
export const MAX_SCHEDULE_COMBINATIONS = 1 << 21;

/** The params of a schedule rule's event. */
export interface ScheduleParams {
  readonly schedule: string;
}

/** Which schedule a request pays by: its index in the version's `FeeTerms.schedules`, its name, and the rule that chose it. */
export interface ScheduleChoice {
  readonly schedule: number;
  readonly name: string;
  readonly rule: string;
}

export interface ScheduleChooser {
  /** The schedules' names, in `FeeTerms.schedules` order. */
  readonly names: readonly string[];
  /**
   * Whether the schedule chosen can depend on `provider` or `model` (some rule set chooses
   * different schedules for two values of them, the other facts equal). An engine that does
   * not read those cells (the fast replay's compact ledger) bills a version only when this
   * is false, choosing with both `''`.
   */
  readonly byProviderOrModel: boolean;
  /**
   * The providers and models the rules name (first-mention order): every other value is
   * chosen for as any one of them would be, so a compiler (the SQL bill) can print the
   * choice as a table over these values plus "any other".
   */
  readonly providers: readonly string[];
  readonly models: readonly string[];
  /** The choice for a request's facts (`provider`/`model`: the log's cells, `''` when absent). */
  choose(provider: string, model: string, failoverMode: FailoverMode, keyResult: KeyResult, platformResult: PlatformResult): ScheduleChoice;
  /**
   * The choice for a row that records its route instead of a `key_result`. Only a `byok`
   * route can pay a fee, and on it the key served: the facts are `keyResult` `ok` and the
   * row's `platform_result` (default `ok`). (The contract is silent here; this is the
   * one place that decides it.)
   */
  chooseRecorded(provider: string, model: string, failoverMode: FailoverMode, platformResult?: PlatformResult): ScheduleChoice;
}

export function readScheduleParams(value: unknown, path: string): ScheduleParams {
  const obj = readObject(value, path, ['schedule']);
  return { schedule: readString(obj.schedule, child(path, 'schedule'), { nonEmpty: true }) };
}

/**
 * The further check of a schedule rule's fact condition: `provider` and `model` are
 * compared with `equal`, `notEqual`, `in` or `notIn`, to strings only, so every value no
 * rule names behaves the same and the rule set can be decided for all of them at once.
 */
export function checkScheduleCondition(condition: FactCondition, path: string): void {
  if (!(STRING_FACTS as readonly string[]).includes(condition.fact)) return;
  if (!(STRING_FACT_OPERATORS as readonly string[]).includes(condition.operator)) {
    throw new PolicyValidationError(
      child(path, 'operator'),
      `${condition.fact} is compared with ${STRING_FACT_OPERATORS.join(', ')} only, got ${JSON.stringify(condition.operator)}`,
    );
  }
  const valuePath = child(path, 'value');
  if (Array.isArray(condition.value)) {
    condition.value.forEach((item, i) => {
      if (typeof item !== 'string') throw new PolicyValidationError(child(valuePath, i), `${condition.fact} is compared with strings, got ${describe(item)}`);
    });
  } else if (typeof condition.value !== 'string') {
    throw new PolicyValidationError(valuePath, `${condition.fact} is compared with strings, got ${describe(condition.value)}`);
  }
}

/** The string constants the conditions compare `fact` with, in first-mention order. */
function constantsOf(rules: readonly RuleDocument<ScheduleParams>[], fact: string): string[] {
  const found = new Set<string>();
  const visit = (condition: RuleDocument['conditions']): void => {
    if ('all' in condition) condition.all.forEach(visit);
    else if ('any' in condition) condition.any.forEach(visit);
    else if ('not' in condition) visit(condition.not);
    else if (condition.fact === fact) {
      for (const value of Array.isArray(condition.value) ? condition.value : [condition.value]) found.add(value as string);
    }
  };
  for (const rule of rules) visit(rule.conditions);
  return [...found];
}

/** A string none of `constants` is: it stands for every value no rule names. */
function unmentioned(constants: readonly string[]): string {
  let value = '\u0000other';
  while (constants.includes(value)) value = `\u0000${value}`;
  return value;
}

/** A schedule rule set decided for every combination of facts, before it meets a version's schedules. */
export interface ScheduleRuleTable {
  readonly rules: readonly RuleDocument<ScheduleParams>[];
  /** Where the rules are, e.g. `$.rules.schedule`. */
  readonly path: string;
  /** The providers and models the rules name; index `length` stands for every other value. */
  readonly providers: readonly string[];
  readonly models: readonly string[];
  /** The winning rule and its schedule name, by `tableIndex`. */
  readonly decisions: readonly { readonly rule: string; readonly schedule: string }[];
}

const PER_PAIR = FAILOVER_MODES.length * KEY_RESULTS.length * PLATFORM_RESULTS.length;

function tableIndex(provider: number, model: number, models: number, mode: number, key: number, platform: number): number {
  return (((provider * (models + 1) + model) * FAILOVER_MODES.length + mode) * KEY_RESULTS.length + key) * PLATFORM_RESULTS.length + platform;
}

/**
 * Decides a schedule rule set for every combination of facts — for `provider` and `model`
 * the constants the rules name plus one value none names — and refuses it when a
 * combination is undecided (incomplete) or decided by two rules of the same, highest,
 * priority that name different schedules (ambiguous). Two such rules naming the same
 * schedule agree: the first of them in the document is the rule an explanation names.
 */
export function compileScheduleRules(rules: readonly RuleDocument<ScheduleParams>[], path: string): ScheduleRuleTable {
  const providers = constantsOf(rules, 'provider');
  const models = constantsOf(rules, 'model');
  const combinations = (providers.length + 1) * (models.length + 1) * PER_PAIR;
  if (combinations > MAX_SCHEDULE_COMBINATIONS) {
    throw new PolicyValidationError(
      path,
      `the rules name ${providers.length} providers and ${models.length} models: ${combinations} combinations of facts to decide, more than ${MAX_SCHEDULE_COMBINATIONS}; name fewer (e.g. the models of the exceptional schedules, with a catch-all for the rest)`,
    );
  }
  const otherProvider = unmentioned(providers);
  const otherModel = unmentioned(models);
  const compiled = compileRules(rules);
  const decisions: { rule: string; schedule: string }[] = new Array(combinations);
  const show = (value: string, other: string) => (value === other ? '(any other)' : JSON.stringify(value));
  const facts: Record<string, string> = {};
  for (let p = 0; p <= providers.length; p++) {
    facts.provider = providers[p] ?? otherProvider;
    for (let m = 0; m <= models.length; m++) {
      facts.model = models[m] ?? otherModel;
      FAILOVER_MODES.forEach((failoverMode, f) =>
        KEY_RESULTS.forEach((keyResult, k) =>
          PLATFORM_RESULTS.forEach((platformResult, r) => {
            Object.assign(facts, { failoverMode, keyResult, platformResult });
            const described = () =>
              `provider=${show(facts.provider!, otherProvider)}, model=${show(facts.model!, otherModel)}, failoverMode=${JSON.stringify(failoverMode)}, keyResult=${JSON.stringify(keyResult)}, platformResult=${JSON.stringify(platformResult)}`;
            let best: (typeof compiled)[number] | undefined;
            // The first rule at the best priority that names another schedule than `best`.
            let clash: (typeof compiled)[number] | undefined;
            for (const candidate of compiled) {
              if (!candidate.test(facts)) continue;
              if (best === undefined || candidate.priority > best.priority) {
                best = candidate;
                clash = undefined;
              } else if (candidate.priority === best.priority && clash === undefined && candidate.rule.event.params.schedule !== best.rule.event.params.schedule) {
                clash = candidate;
              }
            }
            if (best !== undefined && clash !== undefined) {
              throw new PolicyValidationError(
                path,
                `rules ${JSON.stringify(best.rule.name)} and ${JSON.stringify(clash.rule.name)} choose different schedules (${JSON.stringify(best.rule.event.params.schedule)} and ${JSON.stringify(clash.rule.event.params.schedule)}) for ${described()} at the same priority; give one a higher priority`,
              );
            }
            if (best === undefined) {
              throw new PolicyValidationError(path, `no rule decides ${described()}; give a catch-all rule ({ "all": [] }) at a low priority`);
            }
            decisions[tableIndex(p, m, models.length, f, k, r)] = { rule: best.rule.name, schedule: best.rule.event.params.schedule };
          }),
        ),
      );
    }
  }
  return { rules, path, providers, models, decisions };
}

/** Where a version's schedules come from, for the messages of `createScheduleChooser`. */
export interface ScheduleContext {
  /** The version's label. */
  readonly version: string;
  /** The path of the `fees` object the schedules come from (or of the shorthand's level). */
  readonly feesPath: string;
  /** The path of the rules that apply to the version (`$.rules` or `$.versions[i].rules`). */
  readonly rulesPath: string;
}

const MODE_INDEX = new Map<string, number>(FAILOVER_MODES.map((v, i) => [v, i]));
const KEY_INDEX = new Map<string, number>(KEY_RESULTS.map((v, i) => [v, i]));
const PLATFORM_INDEX = new Map<string, number>(PLATFORM_RESULTS.map((v, i) => [v, i]));

/**
 * The chooser of a version with schedules `names` (in `FeeTerms.schedules` order) under a
 * decided rule set (undefined when the rules have no `schedule` set: allowed with exactly
 * one schedule). Refuses a rule naming a schedule the version does not have, a schedule
 * no rule names, and several schedules without rules.
 */
export function createScheduleChooser(table: ScheduleRuleTable | undefined, names: readonly string[], context: ScheduleContext): ScheduleChooser {
  const frozenNames = Object.freeze([...names]);
  if (table === undefined) {
    if (names.length !== 1) {
      throw new PolicyValidationError(
        child(context.rulesPath, 'schedule'),
        `is required: version ${JSON.stringify(context.version)} has ${names.length} fee schedules (${names.join(', ')}), and schedule rules choose which one a request pays by`,
      );
    }
    const only: ScheduleChoice = Object.freeze({ schedule: 0, name: names[0]!, rule: ONLY_SCHEDULE_RULE });
    return Object.freeze({ names: frozenNames, byProviderOrModel: false, providers: [], models: [], choose: () => only, chooseRecorded: () => only });
  }
  const index = new Map<string, number>(names.map((name, i) => [name, i]));
  const named = new Set<string>();
  table.rules.forEach((rule, i) => {
    const name = rule.event.params.schedule;
    if (!index.has(name)) {
      throw new PolicyValidationError(
        child(child(child(child(table.path, i), 'event'), 'params'), 'schedule'),
        `names no fee schedule of version ${JSON.stringify(context.version)}: its schedules (${context.feesPath}) are ${names.map((n) => JSON.stringify(n)).join(', ')}`,
      );
    }
    named.add(name);
  });
  const unused = names.find((name) => !named.has(name));
  if (unused !== undefined) {
    throw new PolicyValidationError(
      child(child(context.feesPath, 'schedules'), unused),
      `no rule of ${table.path} chooses this schedule (version ${JSON.stringify(context.version)}); every schedule is named by a rule`,
    );
  }
  const choices = new Map<string, ScheduleChoice>();
  const byIndex: ScheduleChoice[] = table.decisions.map(({ rule, schedule }) => {
    const key = `${rule}\u0000${schedule}`;
    let choice = choices.get(key);
    if (choice === undefined) {
      choice = Object.freeze({ schedule: index.get(schedule)!, name: schedule, rule });
      choices.set(key, choice);
    }
    return choice;
  });
  const providerIndex = new Map<string, number>(table.providers.map((v, i) => [v, i]));
  const modelIndex = new Map<string, number>(table.models.map((v, i) => [v, i]));
  const models = table.models.length;
  let byProviderOrModel = false;
  for (let rest = 0; rest < PER_PAIR && !byProviderOrModel; rest++) {
    const first = byIndex[rest]!.schedule;
    for (let pair = 1; pair < (table.providers.length + 1) * (models + 1); pair++) {
      if (byIndex[pair * PER_PAIR + rest]!.schedule !== first) {
        byProviderOrModel = true;
        break;
      }
    }
  }
  const choose = (provider: string, model: string, failoverMode: FailoverMode, keyResult: KeyResult, platformResult: PlatformResult): ScheduleChoice => {
    const mode = MODE_INDEX.get(failoverMode);
    const key = KEY_INDEX.get(keyResult);
    const platform = PLATFORM_INDEX.get(platformResult);
    // Only an untyped caller can pass a value outside the domain; say so instead of choosing nothing.
    if (mode === undefined || key === undefined || platform === undefined || typeof provider !== 'string' || typeof model !== 'string') {
      throw new InvalidRequestError(
        `cannot choose a fee schedule for provider ${JSON.stringify(provider)}, model ${JSON.stringify(model)}, failover mode ${JSON.stringify(failoverMode)}, key_result ${JSON.stringify(keyResult)}, platform_result ${JSON.stringify(platformResult)}`,
        'key_result',
      );
    }
    const p = providerIndex.get(provider) ?? table.providers.length;
    const m = modelIndex.get(model) ?? models;
    return byIndex[tableIndex(p, m, models, mode, key, platform)]!;
  };
  return Object.freeze({
    names: frozenNames,
    byProviderOrModel,
    providers: Object.freeze([...table.providers]),
    models: Object.freeze([...table.models]),
    choose,
    chooseRecorded: (provider: string, model: string, failoverMode: FailoverMode, platformResult: PlatformResult = 'ok') => choose(provider, model, failoverMode, 'ok', platformResult),
  });
}
