import { isObject, type JsonValue, type JsonObject } from '../json';
import type { FieldChange } from '../model';
import type { Handler } from './handler';
import { isValueObject, objectList, text } from './handler';

/** Trigger bindings: per trigger, the ordered list of bound Actions (by name) = execution order. */
export const triggers: Handler = {
  type: 'triggers',
  async read(api) {
    const list = await api.get('/actions/triggers');
    const ids =
      isObject(list) && Array.isArray(list.triggers)
        ? [
            ...new Set(
              list.triggers
                .filter(isObject)
                .map((t) => text(t.id))
                .filter(Boolean),
            ),
          ]
        : [];
    return Promise.all(
      ids.map(async (id) => ({
        id,
        bindings: await api.pages(`/actions/triggers/${encodeURIComponent(id)}/bindings`, 'bindings'),
      })),
    );
  },
  current: (raw) =>
    objectList(raw, 'triggers').flatMap((trigger) => {
      const bindings = Array.isArray(trigger.bindings) ? trigger.bindings.filter(isObject).map(binding) : [];
      return bindings.length === 0 ? [] : [{ type: 'triggers' as const, key: text(trigger.id), value: { bindings } }];
    }),
  desired(section) {
    if (!isValueObject(section)) throw new Error('tenant.yaml triggers: expected a mapping of trigger ids');
    return Object.entries(section).map(([id, list]) => ({
      type: 'triggers' as const,
      key: id,
      value: {
        bindings: Array.isArray(list)
          ? list
              .filter(isValueObject)
              .map((b) => ({ action_name: text(b.action_name), display_name: text(b.display_name ?? b.action_name) }))
          : [],
      },
    }));
  },
  compare(desired, current): FieldChange[] {
    const want = JSON.stringify(desired.value.bindings);
    const have = JSON.stringify(current.value.bindings);
    return want === have
      ? []
      : [
          {
            path: 'bindings',
            before: names(current.value.bindings),
            after: names(desired.value.bindings as JsonValue),
          },
        ];
  },
};

function binding(b: JsonObject): JsonObject {
  const action = isObject(b.action) ? text(b.action.name) : '';
  return { action_name: action, display_name: text(b.display_name) || action };
}

/** `gate-apps → enforce-terms`, with the display name when it differs from the Action's. */
function names(bindings: JsonValue | undefined): JsonValue {
  if (!Array.isArray(bindings)) return [];
  return bindings
    .filter(isObject)
    .map((b) =>
      b.display_name === b.action_name ? text(b.action_name) : `${text(b.action_name)} (${text(b.display_name)})`,
    );
}
