/**
 * What a bundle does that the tenant must agree with, read from its JavaScript text: the secrets it
 * reads, the app_metadata keys it touches, whether it redirects. Scanning the bundle rather than the
 * sources sees exactly the code that ships (shared code included, dead code shaken out, comments
 * gone). It is pattern matching, not a parser, so it is conservative where it matters: a use of
 * `event.secrets` it cannot follow is reported rather than guessed.
 */

export interface CodeScan {
  /** Secret names read as `event.secrets.NAME` (directly, via `const s = event.secrets`, or destructured). */
  secrets: string[];
  /** Snippets of secret reads the scan cannot follow (dynamic keys, the whole object passed on). */
  untraceableSecrets: string[];
  /** app_metadata keys read or written (`setAppMetadata('k', …)`, `app_metadata.k`, aliases of it). */
  appMetadataKeys: string[];
  /** Sends the user away (`api.redirect.sendUserTo`, `api.prompt.render`): needs onContinuePostLogin. */
  redirects: boolean;
}

const IDENT = '[A-Za-z_$][\\w$]*';
/** The end of an alias declaration: `const s = event.secrets;` or with a `?? {}` / `|| {}` default. */
const DECLARATION_END = /^\s*(?:(?:\?\?|\|\|)\s*\{\s*\})?\s*[;,\n]/;
const MEMBER = new RegExp(`^\\??\\.(${IDENT})`);
const INDEX = /^(?:\?\.)?\[\s*(['"`])([\w$-]+)\1\s*\]/;

export function scanCode(code: string): CodeScan {
  const masked = maskCode(code);
  const { secrets, untraceable } = scanSecrets(code, masked);
  return {
    secrets,
    untraceableSecrets: untraceable,
    appMetadataKeys: scanAppMetadataKeys(code, masked),
    redirects: /\bsendUserTo\s*\(|\bprompt\s*\.\s*render\s*\(/.test(masked),
  };
}

/**
 * Patterns are matched on `masked` (comments and the insides of strings blanked, same length, so
 * a log message or a `// lib/secrets.ts` comment is not code); string keys are then read from
 * `code` at the same offsets.
 */
function scanSecrets(code: string, masked: string): { secrets: string[]; untraceable: string[] } {
  const names = new Set<string>();
  const aliases = new Set<string>();
  const untraceable: string[] = [];

  for (const match of masked.matchAll(/\.secrets\b/g)) {
    const end = match.index + match[0].length;
    const after = code.slice(end, end + 200);
    const before = masked.slice(Math.max(0, match.index - 200), match.index);
    const member = MEMBER.exec(after) ?? INDEX.exec(after);
    if (member) {
      names.add(member[2] ?? member[1] ?? '');
      continue;
    }
    const alias = new RegExp(`(?:const|let|var)\\s+(${IDENT})\\s*=\\s*[\\w$.?]*$`).exec(before);
    if (alias?.[1] && DECLARATION_END.test(after)) {
      aliases.add(alias[1]);
      continue;
    }
    const destructured = /(?:const|let|var)\s*\{([^{}]*)\}\s*=\s*[\w$.?]*$/.exec(before);
    // `{ A, ...rest }` hands the remaining secrets on: not traceable.
    if (destructured?.[1] !== undefined && !destructured[1].includes('...') && DECLARATION_END.test(after)) {
      for (const part of destructured[1].split(',')) {
        const key = part.split(/[:=]/)[0]?.trim();
        if (key) names.add(key);
      }
      continue;
    }
    untraceable.push(snippet(code, match.index));
  }

  for (const alias of aliases) {
    for (const use of masked.matchAll(new RegExp(`(?<![\\w$.])${escape(alias)}(?![\\w$])`, 'g'))) {
      const end = use.index + alias.length;
      const after = code.slice(end, end + 200);
      const member = MEMBER.exec(after) ?? INDEX.exec(after);
      if (member) names.add(member[2] ?? member[1] ?? '');
      else if (!/(?:const|let|var)\s+$/.test(masked.slice(Math.max(0, use.index - 10), use.index)))
        untraceable.push(snippet(code, use.index));
    }
  }
  return { secrets: [...names].sort(), untraceable };
}

function scanAppMetadataKeys(code: string, masked: string): string[] {
  const keys = new Set<string>();
  for (const write of masked.matchAll(/\bsetAppMetadata\s*\(\s*['"`]/g)) {
    const start = write.index + write[0].length;
    keys.add(code.slice(start, code.indexOf(code.charAt(start - 1), start)));
  }

  // Names holding app_metadata: `const x = …app_metadata` or `const x = f(…app_metadata) ?? {}`
  // (a pass-through such as asRecord), and parameters named after it (`appMetadata`).
  const holders = new Set(['app_metadata']);
  const declaration = new RegExp(
    `(?:const|let|var)\\s+(${IDENT})\\s*=\\s*(?:${IDENT}\\()?[\\w$.?]*\\bapp_metadata\\)?(?:\\s*\\?\\?\\s*\\{\\s*\\})?\\s*[;\\n]`,
    'g',
  );
  for (const decl of masked.matchAll(declaration)) if (decl[1]) holders.add(decl[1]);
  for (const name of masked.matchAll(new RegExp(`\\b(${IDENT})\\b`, 'g'))) {
    if (name[1] && /^(?:[a-z]+App|app)Metadata$/.test(name[1])) holders.add(name[1]);
  }

  for (const holder of holders) {
    // `holder.key`, `holder?.key`, `f(holder)?.key`, `holder["key"]`; method calls are not keys.
    // app_metadata itself is a property (`event.user.app_metadata`); an alias is a local name.
    const notAfter = holder === 'app_metadata' ? '[\\w$]' : '[\\w$.]';
    const read = new RegExp(
      `(?<!${notAfter})${escape(holder)}\\)?(?:\\??\\.(${IDENT})(?![\\w$]|\\s*\\()|(?:\\?\\.)?\\[\\s*['"\`])`,
      'g',
    );
    for (const use of masked.matchAll(read)) {
      if (use[1] !== undefined) keys.add(use[1]);
      else {
        const start = use.index + use[0].length;
        keys.add(code.slice(start, code.indexOf(code.charAt(start - 1), start)));
      }
    }
  }
  keys.delete('');
  return [...keys].sort();
}

/**
 * Blanks comments and the contents of string, template and regex literals (quotes and `${…}`
 * expressions kept), preserving length and line breaks. Enough of a tokenizer for esbuild output.
 */
export function maskCode(code: string): string {
  const out = code.split('');
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  const templateDepth: number[] = [];
  let braces = 0;
  let i = 0;
  let lastSignificant = '';
  const scanString = (quote: string, from: number): number => {
    let k = from;
    while (k < code.length && code[k] !== quote) k += code[k] === '\\' ? 2 : 1;
    blank(from, k);
    return k + 1;
  };
  const scanTemplate = (from: number): number => {
    let k = from;
    while (k < code.length && code[k] !== '`' && !(code[k] === '$' && code[k + 1] === '{'))
      k += code[k] === '\\' ? 2 : 1;
    blank(from, k);
    if (code[k] === '$') {
      templateDepth.push(braces);
      braces += 1;
      return k + 2;
    }
    return k + 1;
  };
  while (i < code.length) {
    const c = code[i] ?? '';
    const next = code[i + 1];
    if (c === '/' && next === '/') {
      const end = code.indexOf('\n', i);
      blank(i, end === -1 ? code.length : end);
      i = end === -1 ? code.length : end;
    } else if (c === '/' && next === '*') {
      const end = code.indexOf('*/', i + 2);
      blank(i, end === -1 ? code.length : end + 2);
      i = end === -1 ? code.length : end + 2;
    } else if (c === '"' || c === "'") {
      i = scanString(c, i + 1);
      lastSignificant = c;
    } else if (c === '`') {
      i = scanTemplate(i + 1);
      lastSignificant = c;
    } else if (c === '/' && (lastSignificant === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant))) {
      let k = i + 1;
      let inClass = false;
      while (k < code.length && code[k] !== '\n' && (code[k] !== '/' || inClass)) {
        if (code[k] === '[') inClass = true;
        else if (code[k] === ']') inClass = false;
        k += code[k] === '\\' ? 2 : 1;
      }
      blank(i + 1, k);
      i = k + 1;
      lastSignificant = '/';
    } else {
      if (c === '{') braces += 1;
      else if (c === '}') {
        braces -= 1;
        if (templateDepth.length > 0 && templateDepth[templateDepth.length - 1] === braces) {
          templateDepth.pop();
          i = scanTemplate(i + 1);
          lastSignificant = '`';
          continue;
        }
      }
      if (/[\w$]/.test(c)) {
        const word = /^[\w$]+/.exec(code.slice(i, i + 32))?.[0] ?? c;
        // After these keywords a `/` starts a regex, after any other word it divides.
        lastSignificant = REGEX_AFTER_WORD.has(word) ? '(' : 'w';
        i += word.length;
        continue;
      }
      if (!/\s/.test(c)) lastSignificant = c;
      i += 1;
    }
  }
  return out.join('');
}

const REGEX_AFTER_WORD = new Set([
  'return',
  'typeof',
  'case',
  'in',
  'of',
  'void',
  'delete',
  'throw',
  'new',
  'else',
  'do',
  'yield',
  'await',
  'instanceof',
]);

function snippet(code: string, index: number): string {
  const start = code.lastIndexOf('\n', index) + 1;
  const end = code.indexOf('\n', index);
  return code
    .slice(start, end === -1 ? undefined : end)
    .trim()
    .slice(0, 100);
}

function escape(name: string): string {
  return name.replace(/\$/g, '\\$');
}
