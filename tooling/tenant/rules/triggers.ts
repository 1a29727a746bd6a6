import constants from 'auth0-deploy-cli/lib/tools/constants';
import { LIMITS } from '../../../actions/platform/limits';
import type { Issue } from '../../issues';
import { issueAt } from '../reader';
import type { Rule } from './context';

/**
 * The post-login order is part of the security contract: deny first (nothing runs for a refused
 * app), then linking (it may change the user), then terms (accepted by the user who ends up logged
 * in), then the token-only profile overrides. Other Actions may sit anywhere between them.
 */
export const POST_LOGIN_ORDER = ['gate-apps', 'prompt-account-linking', 'enforce-terms', 'override-profile'] as const;

/** Bindings: to known triggers, of existing Actions that support the trigger, at most 20 each, the post-login contract's order kept. */
export const triggers: Rule = ({ manifest }) => {
  const issues: Issue[] = [];
  const known = new Set(constants.ACTIONS_TRIGGERS);
  const byName = new Map(manifest.actions.map((a) => [a.name, a]));

  for (const action of manifest.actions) {
    action.supportedTriggers.forEach((trigger, i) => {
      if (!known.has(trigger.id))
        issues.push(
          issueAt(
            manifest.yaml,
            [...action.path, 'supported_triggers', i, 'id'],
            `unknown trigger ${trigger.id}`,
            `use one of: ${[...known].join(', ')}`,
          ),
        );
    });
  }

  const perTrigger = new Map<string, string[]>();
  for (const binding of manifest.bindings) {
    const bound = perTrigger.get(binding.trigger) ?? [];
    perTrigger.set(binding.trigger, [...bound, binding.actionName]);
    const path = [...binding.path, 'action_name'];
    const action = byName.get(binding.actionName);
    if (!known.has(binding.trigger)) {
      issues.push(
        issueAt(
          manifest.yaml,
          ['triggers', binding.trigger],
          `unknown trigger ${binding.trigger}`,
          `use one of: ${[...known].join(', ')}`,
        ),
      );
    } else if (!action) {
      issues.push(
        issueAt(
          manifest.yaml,
          path,
          `no Action named ${binding.actionName}`,
          `use one of: ${[...byName.keys()].join(', ') || '(none declared)'}`,
        ),
      );
    } else if (!action.supportedTriggers.some((t) => t.id === binding.trigger)) {
      issues.push(
        issueAt(
          manifest.yaml,
          path,
          `${binding.actionName} does not support the ${binding.trigger} trigger`,
          `bind it to one of its supported_triggers, or add {id: ${binding.trigger}, ...} there if its code handles it`,
        ),
      );
    }
    if (bound.includes(binding.actionName))
      issues.push(
        issueAt(manifest.yaml, path, `${binding.actionName} is bound twice to ${binding.trigger}`, 'keep one binding'),
      );
  }
  issues.push(...postLoginOrder(manifest));
  for (const [trigger, bound] of perTrigger) {
    if (bound.length > LIMITS.actionsPerTrigger) {
      issues.push(
        issueAt(
          manifest.yaml,
          ['triggers', trigger],
          `${bound.length} Actions bound, Auth0 allows ${LIMITS.actionsPerTrigger} per trigger`,
          'merge Actions or remove bindings',
        ),
      );
    }
  }
  return issues;
};

function postLoginOrder(manifest: Parameters<Rule>[0]['manifest']): Issue[] {
  const rank = (name: string): number => (POST_LOGIN_ORDER as readonly string[]).indexOf(name);
  const contract = manifest.bindings.filter((b) => b.trigger === 'post-login' && rank(b.actionName) >= 0);
  return contract.flatMap((binding, i) => {
    const before = contract.slice(i + 1).find((later) => rank(later.actionName) < rank(binding.actionName));
    if (!before) return [];
    return [
      issueAt(
        manifest.yaml,
        [...binding.path, 'action_name'],
        `${binding.actionName} runs before ${before.actionName}: the post-login order is part of the security contract (${POST_LOGIN_ORDER.join(' → ')})`,
        `bind ${before.actionName} before ${binding.actionName}, in that order`,
      ),
    ];
  });
}
