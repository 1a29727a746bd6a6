import { RESERVED_APP_METADATA_NAMES } from '../../../actions/platform/limits';
import type { Rule } from './context';

/** app_metadata keys the Actions read or write: not reserved by Auth0, no `.` or `$` in the name. */
export const appMetadata: Rule = ({ built }) =>
  [...built.values()].flatMap((action) =>
    action.scan.appMetadataKeys.flatMap((key) => {
      if (RESERVED_APP_METADATA_NAMES.has(key)) {
        return [
          {
            file: action.entry,
            problem: `${action.name} uses app_metadata.${key}, a name Auth0 reserves (writes to it fail or mean something else)`,
            fix: `rename the key, e.g. ${action.name.replace(/-/g, '_')}_${key}`,
          },
        ];
      }
      if (/[.$]/.test(key)) {
        return [
          {
            file: action.entry,
            problem: `${action.name} uses app_metadata key "${key}": Auth0 refuses metadata names with . or $`,
            fix: 'rename it, or nest the value under a plain key',
          },
        ];
      }
      return [];
    }),
  );
