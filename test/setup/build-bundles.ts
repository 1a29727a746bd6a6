import { buildActions } from '../../tooling/bundle';
import { formatIssue, IssueError } from '../../tooling/issues';
import { REPO_ROOT } from '../../tooling/paths';

// Tests run the compiled bundles, as Auth0 does: `npm run build`'s bundling and checks, once per run
// (tens of milliseconds), writing dist/actions/<name>.js.
export default async function setup(): Promise<void> {
  try {
    await buildActions();
  } catch (error) {
    if (!(error instanceof IssueError)) throw error;
    throw new Error(
      `Building the Actions (npm run build) failed:\n${error.issues.map((i) => `  ${formatIssue(i, REPO_ROOT)}`).join('\n')}`,
      { cause: error },
    );
  }
}
