import { parseArgs } from 'node:util';
import { writeBundles } from './bundle';
import { formatIssue } from './issues';
import { projectPaths } from './paths';
import { checkTenant } from './tenant';

/**
 * `npm run validate` and `npm run build`: `--env <name>` (default sandbox). Validation reads secret
 * values only from the variables the environment file names, and prints names, never values.
 */
export async function runCheck(argv: string[], mode: 'validate' | 'build'): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      env: { type: 'string', default: 'sandbox' },
      // A deploy needs every secret; validating a build does not.
      ...(mode === 'validate' ? { 'require-secrets': { type: 'boolean' as const, default: false } } : {}),
    },
    strict: true,
  });
  const env = String(values.env);
  const paths = projectPaths();
  const result = await checkTenant({
    paths,
    env,
    vars: process.env,
    requireSecrets: values['require-secrets'] === true,
  });

  console.log(`${mode} --env ${env}`);
  for (const note of result.notes) console.log(`  ${note}`);
  if (result.issues.length > 0) {
    console.error(`\n${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}:`);
    for (const issue of result.issues) console.error(`  ${formatIssue(issue, paths.root)}`);
    return 1;
  }
  if (mode === 'build' && result.build) {
    writeBundles(paths.distDir, result.build.actions);
    console.log(`  wrote ${result.build.actions.length} bundles to dist/actions in ${result.build.ms.toFixed(0)} ms`);
  }
  console.log('  no problems');
  return 0;
}

export function main(mode: 'validate' | 'build'): void {
  runCheck(process.argv.slice(2), mode).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(2);
    },
  );
}
