/** One served request, as the sandbox's `log` option receives it: never bodies, headers or the query string. */
export interface RequestLogEntry {
  method: string;
  /** The URL path as requested (still URL-encoded), without the query string. */
  path: string;
  status: number;
  /** Time to the response, rounded to whole milliseconds. */
  ms: number;
}

export type RequestLog = (entry: RequestLogEntry) => void;

/** `GET /api/v2/clients 200 3ms`: how the CLIs print an entry. */
export function formatRequestLogEntry(entry: RequestLogEntry): string {
  return `${entry.method} ${entry.path} ${entry.status} ${entry.ms}ms`;
}

/** A request to the Management API or its token endpoint (what the Actions' calls count as). */
export function isManagementApiRequest(entry: RequestLogEntry): boolean {
  return entry.path.startsWith('/api/v2/') || entry.path === '/oauth/token';
}
