import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { IssueError, type FieldPath, type Issue } from './issues';

/**
 * YAML read the way auth0-deploy-cli reads it (js-yaml's default schema: YAML 1.2 core plus
 * timestamps, so an unquoted `2026-01-01` is a date, not a string), keeping source positions so
 * every message can name a line, a column and a field.
 */

export interface Position {
  line: number;
  col: number;
}

export interface YamlFile {
  file: string;
  text: string;
  /** The parsed data: untrusted until a reader has checked its shape. */
  value: unknown;
  /** Position of the node at `path`, or of its deepest existing ancestor. */
  locate(path: FieldPath): Position | undefined;
  /** The field path of the scalar (key or value) containing `offset`, and whether it is quoted. */
  scalarAt(offset: number): { path: FieldPath; quoted: boolean } | undefined;
  position(offset: number): Position;
}

/** Parses `text`; syntax errors (all of them, with line and column) are thrown as an IssueError. */
export function parseYaml(file: string, text: string): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, customTags: ['timestamp'], uniqueKeys: true });
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  if (doc.errors.length > 0) {
    throw new IssueError(
      doc.errors.map((error): Issue => ({
        file,
        ...position(error.pos[0]),
        problem: `invalid YAML: ${error.message.split('\n')[0]}`,
        fix: 'fix the syntax at this line and column',
      })),
    );
  }
  const scalars = collectScalars(doc);
  return {
    file,
    text,
    value: doc.toJS({ maxAliasCount: 100 }),
    position,
    locate: (path) => {
      const offset = locateOffset(doc, path);
      return offset === undefined ? undefined : position(offset);
    },
    scalarAt: (offset) => {
      const hit = scalars.find((s) => s.start <= offset && offset < s.end);
      return hit && { path: hit.path, quoted: hit.quoted };
    },
  };
}

export function loadYaml(file: string): YamlFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new IssueError([
      { file, problem: 'file is missing or unreadable', fix: 'create it, or fix the path that refers to it' },
    ]);
  }
  return parseYaml(file, text);
}

function locateOffset(doc: Document, path: FieldPath): number | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === seg);
      if (!pair) break;
      offset = rangeStart(pair.value) ?? rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  return node && typeof node === 'object' && 'range' in node ? (node as Node).range?.[0] : undefined;
}

interface ScalarSpan {
  start: number;
  end: number;
  path: FieldPath;
  quoted: boolean;
}

function collectScalars(doc: Document): ScalarSpan[] {
  const spans: ScalarSpan[] = [];
  const walk = (node: unknown, path: FieldPath): void => {
    if (isScalar(node)) {
      const [start, end] = node.range ?? [0, 0];
      spans.push({ start, end, path, quoted: node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE' });
    } else if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        walk(pair.key, path);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(doc.contents, []);
  return spans;
}
