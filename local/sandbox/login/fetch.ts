import { Agent, request as httpsRequest } from 'node:https';

/**
 * The `fetch` the deployed Actions get: HTTPS that trusts the sandbox CA (and nothing else, which
 * is all there is to reach here), with TLS verification on. Node's global fetch cannot take a CA
 * without an undici dispatcher, and undici is only a transitive dependency here, so this speaks
 * https.request and hands back a standard `Response`.
 */
export interface CaFetch {
  fetch: typeof fetch;
  /** Closes the kept-alive connections (the sandbox waits for them on shutdown). */
  close(): void;
}

// Statuses whose Response must not have a body.
const NULL_BODY = new Set([101, 204, 205, 304]);

export function caFetch(ca: string | Buffer): CaFetch {
  const agent = new Agent({ ca, keepAlive: true });

  const caBoundFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.protocol !== 'https:')
      throw new TypeError('fetch failed', { cause: new Error('the sandbox allows https only') });
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const { signal } = request;
    signal.throwIfAborted();
    return new Promise<Response>((resolve, reject) => {
      const req = httpsRequest(
        url,
        { method: request.method, headers: Object.fromEntries(request.headers), agent, signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              for (const item of Array.isArray(value) ? value : [value])
                if (item !== undefined) headers.append(name, item);
            }
            const status = res.statusCode ?? 502;
            resolve(
              new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), {
                status,
                statusText: res.statusMessage,
                headers,
              }),
            );
          });
        },
      );
      // Like fetch: an abort (e.g. AbortSignal.timeout) rejects with the signal's reason, anything else with "fetch failed".
      req.on('error', (error) => {
        const reason: unknown = signal.reason;
        reject(signal.aborted && reason instanceof Error ? reason : new TypeError('fetch failed', { cause: error }));
      });
      req.end(body);
    });
  };

  return { fetch: caBoundFetch, close: () => agent.destroy() };
}
