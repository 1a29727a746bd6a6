import { LIMITS } from '../../../actions/platform/limits';
import type { Issue } from '../../issues';
import { issueAt } from '../reader';
import type { Rule } from './context';

/**
 * Clients: unique names (deploy-cli matches by name), every reference to a client by name resolves,
 * grants point at a known API, and client metadata keeps to Auth0's limits once keywords are filled.
 */
export const clients: Rule = ({ manifest, resolved, environment }) => {
  const issues: Issue[] = [];
  const names = new Set<string>();
  for (const client of manifest.clients) {
    if (names.has(client.name))
      issues.push(
        issueAt(
          manifest.yaml,
          [...client.path, 'name'],
          `another client is already named ${client.name}`,
          'client names must be unique: rename one',
        ),
      );
    names.add(client.name);
  }
  const known = [...names].join(', ') || '(none declared)';

  for (const connection of manifest.connections) {
    for (const ref of connection.enabledClients) {
      if (!names.has(ref.name))
        issues.push(issueAt(manifest.yaml, ref.path, `no client named ${ref.name}`, `use one of: ${known}`));
    }
  }
  for (const grant of manifest.clientGrants) {
    if (!names.has(grant.clientName))
      issues.push(
        issueAt(
          manifest.yaml,
          [...grant.path, 'client_id'],
          `no client named ${grant.clientName}`,
          `use one of: ${known} (deploy-cli maps names to ids)`,
        ),
      );
  }
  if (!resolved) return issues;

  const audiences = new Set([
    `https://${environment.auth0Domain}/api/v2/`,
    ...resolved.manifest.resourceServers.map((r) => r.identifier),
  ]);
  for (const grant of resolved.manifest.clientGrants) {
    if (!audiences.has(grant.audience)) {
      issues.push(
        issueAt(
          manifest.yaml,
          [...grant.path, 'audience'],
          `${grant.audience} is neither the Management API of ${environment.auth0Domain} nor a resource server in this file`,
          "use 'https://##AUTH0_DOMAIN##/api/v2/' or the identifier of one of resourceServers:",
        ),
      );
    }
  }

  for (const client of resolved.manifest.clients) {
    if (!client.metadata) continue;
    const path = [...client.path, 'client_metadata'];
    const entries = Object.entries(client.metadata);
    if (entries.length > LIMITS.clientMetadata.keys) {
      issues.push(
        issueAt(
          manifest.yaml,
          path,
          `${entries.length} keys, Auth0 allows ${LIMITS.clientMetadata.keys}`,
          'remove keys or combine them',
        ),
      );
    }
    for (const [key, value] of entries) {
      if (typeof value !== 'string')
        issues.push(
          issueAt(
            manifest.yaml,
            [...path, key],
            `must be a string (Auth0 stores client metadata as strings)`,
            `quote it: ${key}: '${String(value)}'`,
          ),
        );
      else if (value.length > LIMITS.clientMetadata.valueChars)
        issues.push(
          issueAt(
            manifest.yaml,
            [...path, key],
            `${value.length} characters, Auth0 allows ${LIMITS.clientMetadata.valueChars}`,
            'shorten the value',
          ),
        );
    }
  }
  return issues;
};
