import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One fault: requests matching `method` (any if omitted) and `path` are delayed by `latencyMs`
 * and/or answered with `status` instead of being served, for the first `times` matches
 * (default 1; 'always' for a persistent failure).
 */
export interface FaultRule {
  method?: string;
  /** Request path (no query); `*` matches within one segment, `**` across segments. */
  path: string;
  times?: number | 'always';
  status?: number;
  /** Seconds, sent as Retry-After (and X-RateLimit-Reset for 429s). */
  retryAfter?: number;
  latencyMs?: number;
  message?: string;
}

/** A request that a rule affected, for tests to assert on. */
export interface FaultHit {
  rule: number;
  method: string;
  path: string;
  status?: number;
  /** Epoch milliseconds. */
  at: number;
}

interface ActiveRule {
  rule: FaultRule;
  pattern: RegExp;
  remaining: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private readonly recorded: FaultHit[] = [];

  constructor(rules: readonly FaultRule[] = []) {
    this.set(rules);
  }

  /** Replaces all rules and forgets previous hits. */
  set(rules: readonly FaultRule[]): void {
    this.rules = rules.map((rule) => ({
      rule,
      pattern: globToRegExp(rule.path),
      remaining: rule.times === 'always' ? Number.POSITIVE_INFINITY : (rule.times ?? 1),
    }));
    this.recorded.length = 0;
  }

  hits(): FaultHit[] {
    return [...this.recorded];
  }

  /** Rules as configured, with what is left of each. */
  describe(): (FaultRule & { remaining: number | 'always' })[] {
    return this.rules.map(({ rule, remaining }) => ({
      ...rule,
      remaining: Number.isFinite(remaining) ? remaining : 'always',
    }));
  }

  /** Fastify onRequest hook; registered first so faults apply before authentication. */
  readonly hook = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const path = request.url.split('?')[0] ?? request.url;
    const index = this.rules.findIndex(
      ({ rule, pattern, remaining }) =>
        remaining > 0 && (!rule.method || rule.method.toUpperCase() === request.method) && pattern.test(path),
    );
    const active = this.rules[index];
    if (!active) return;
    active.remaining -= 1;
    const { rule } = active;
    this.recorded.push({
      rule: index,
      method: request.method,
      path,
      ...(rule.status ? { status: rule.status } : {}),
      at: Date.now(),
    });
    if (rule.latencyMs) await sleep(rule.latencyMs);
    if (!rule.status) return;
    if (rule.retryAfter !== undefined) reply.header('Retry-After', String(rule.retryAfter));
    if (rule.status === 429) {
      reply.header('X-RateLimit-Limit', '50');
      reply.header('X-RateLimit-Remaining', '0');
      reply.header('X-RateLimit-Reset', String(Math.ceil(Date.now() / 1000) + (rule.retryAfter ?? 1)));
    }
    const message =
      rule.message ??
      (rule.status === 429
        ? 'Global limit has been reached'
        : `Injected fault: sandbox rule #${index} (${rule.method ?? '*'} ${rule.path})`);
    await reply.code(rule.status).send({
      statusCode: rule.status,
      error: STATUS_CODES[rule.status] ?? 'Error',
      message,
      ...(rule.status === 429 ? { errorCode: 'too_many_requests' } : {}),
    });
  };
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

/** Parses SANDBOX_FAULTS (a JSON array of FaultRule) for a sandbox started as a child process. */
export function parseFaultRules(json: string): FaultRule[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every(isFaultRule)) {
    throw new Error(
      'SANDBOX_FAULTS must be a JSON array of {path, method?, times?, status?, retryAfter?, latencyMs?, message?}',
    );
  }
  return parsed;
}

export function isFaultRule(value: unknown): value is FaultRule {
  if (typeof value !== 'object' || value === null) return false;
  const rule = value as Record<string, unknown>;
  const optional = (key: string, type: string): boolean => rule[key] === undefined || typeof rule[key] === type;
  return (
    typeof rule.path === 'string' &&
    optional('method', 'string') &&
    (rule.times === undefined || rule.times === 'always' || (typeof rule.times === 'number' && rule.times >= 1)) &&
    optional('status', 'number') &&
    optional('retryAfter', 'number') &&
    optional('latencyMs', 'number') &&
    optional('message', 'string')
  );
}
