import { PolicyValidationError } from '../errors.js';
import { child } from '../validation/jsonPath.js';
import { describe, readArray, readInteger, readObject, readString } from '../validation/readJson.js';
import {
  type Condition,
  type ConditionValue,
  type FactCondition,
  type JsonScalar,
  RULE_OPERATORS,
  type RuleDocument,
  type RuleOperator,
} from './ruleDocument.js';

const MAX_DEPTH = 32;

function isScalar(value: unknown): value is JsonScalar {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function readValue(value: unknown, operator: RuleOperator, path: string): ConditionValue {
  if (operator === 'in' || operator === 'notIn') {
    const items = readArray(value, path);
    return items.map((item, i) => {
      if (!isScalar(item)) throw new PolicyValidationError(child(path, i), `must be a string, number, boolean or null, got ${describe(item)}`);
      return item;
    });
  }
  if (!isScalar(value)) {
    throw new PolicyValidationError(path, `must be a string, number, boolean or null (fact references are not supported), got ${describe(value)}`);
  }
  if (operator.startsWith('less') || operator.startsWith('greater')) {
    if (typeof value !== 'number') throw new PolicyValidationError(path, `operator ${operator} compares numbers, got ${describe(value)}`);
  }
  return value;
}

function readPriority(value: unknown, path: string): number | undefined {
  return value === undefined ? undefined : readInteger(value, path, 1);
}

/** What a condition may say: the facts it may name, and an optional further check of a fact condition. */
interface ConditionRules {
  readonly facts: readonly string[];
  readonly checkCondition: ((condition: FactCondition, path: string) => void) | undefined;
}

function readCondition(value: unknown, path: string, allowed: ConditionRules, depth: number): Condition {
  if (depth > MAX_DEPTH) throw new PolicyValidationError(path, `conditions nest deeper than ${MAX_DEPTH} levels`);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    for (const bool of ['all', 'any', 'not'] as const) {
      if (keys.includes(bool)) {
        const obj = readObject(value, path, [bool, 'priority']);
        const priority = readPriority(obj.priority, child(path, 'priority'));
        const base = priority === undefined ? {} : { priority };
        if (bool === 'not') {
          return { ...base, not: readCondition(obj.not, child(path, 'not'), allowed, depth + 1) };
        }
        const items = readArray(obj[bool], child(path, bool)).map((c, i) =>
          readCondition(c, child(child(path, bool), i), allowed, depth + 1),
        );
        return bool === 'all' ? { ...base, all: items } : { ...base, any: items };
      }
    }
    if (keys.includes('condition')) {
      throw new PolicyValidationError(child(path, 'condition'), 'named condition references are not supported; write the condition inline');
    }
  }
  const obj = readObject(value, path, ['fact', 'operator', 'value', 'priority']);
  const fact = readString(obj.fact, child(path, 'fact'));
  if (!allowed.facts.includes(fact)) {
    throw new PolicyValidationError(child(path, 'fact'), `unknown fact ${JSON.stringify(fact)}; these rules can use ${allowed.facts.join(', ')}`);
  }
  if (typeof obj.operator !== 'string' || !(RULE_OPERATORS as readonly string[]).includes(obj.operator)) {
    throw new PolicyValidationError(child(path, 'operator'), `must be one of ${RULE_OPERATORS.join(', ')}, got ${describe(obj.operator)}`);
  }
  const operator = obj.operator as RuleOperator;
  if (!Object.prototype.hasOwnProperty.call(obj, 'value')) throw new PolicyValidationError(child(path, 'value'), 'is required');
  const condition = { fact, operator, value: readValue(obj.value, operator, child(path, 'value')) };
  allowed.checkCondition?.(condition, path);
  const priority = readPriority(obj.priority, child(path, 'priority'));
  return priority === undefined ? condition : { ...condition, priority };
}

export interface RuleSetSchema<P> {
  /** Facts the conditions may name. */
  readonly facts: readonly string[];
  /** The event type every rule of the set must emit. */
  readonly eventType: string;
  /** Reads and checks the event's params. */
  readonly readParams: (value: unknown, path: string) => P;
  /**
   * A further check of each fact condition (after the generic checks), e.g. which
   * operators and values a fact allows; throws a `PolicyValidationError` at `path`
   * (the condition's path) or below it.
   */
  readonly checkCondition?: (condition: FactCondition, path: string) => void;
}

/** Reads a rule set from untrusted JSON into fresh, validated rule documents. */
export function validateRules<P>(value: unknown, path: string, schema: RuleSetSchema<P>): RuleDocument<P>[] {
  const items = readArray(value, path);
  if (items.length === 0) throw new PolicyValidationError(path, 'must hold at least one rule');
  const names = new Set<string>();
  return items.map((item, i) => {
    const rulePath = child(path, i);
    const obj = readObject(item, rulePath, ['name', 'priority', 'conditions', 'event']);
    const name = readString(obj.name, child(rulePath, 'name'), { nonEmpty: true });
    if (names.has(name)) throw new PolicyValidationError(child(rulePath, 'name'), `duplicate rule name ${JSON.stringify(name)}`);
    names.add(name);
    const priority = readPriority(obj.priority, child(rulePath, 'priority'));
    const condPath = child(rulePath, 'conditions');
    const conditions = readCondition(obj.conditions, condPath, { facts: schema.facts, checkCondition: schema.checkCondition }, 0);
    if ('fact' in conditions) {
      throw new PolicyValidationError(condPath, 'the top-level condition must be "all", "any" or "not" (as in json-rules-engine)');
    }
    const eventPath = child(rulePath, 'event');
    const event = readObject(obj.event, eventPath, ['type', 'params']);
    const type = readString(event.type, child(eventPath, 'type'));
    if (type !== schema.eventType) {
      throw new PolicyValidationError(child(eventPath, 'type'), `must be ${JSON.stringify(schema.eventType)}`);
    }
    const params = schema.readParams(event.params, child(eventPath, 'params'));
    const rule: RuleDocument<P> = { name, conditions, event: { type, params } };
    return priority === undefined ? rule : { ...rule, priority };
  });
}
