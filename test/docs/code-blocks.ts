/**
 * The fenced code blocks of the README and docs/*.md, and how the docs test runs each one.
 *
 * Every block runs unless the line right above its fence says otherwise:
 *
 *   <!-- doc-test: output -->                      what a command prints
 *   <!-- doc-test: fragment: <why it cannot run> -->  part of a file, or commands that need a state or
 *                                                    a machine the page describes
 *
 * A block of a language the test cannot run and without such a line fails the test, so that a new
 * example is run or explicitly marked, never silently left out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** How a block is run. */
export type BlockKind =
  /** Type-checked with `tsc --strict` (NodeNext), then run. */
  | 'typescript'
  /** A JavaScript program, run as an ES module. */
  | 'program'
  /** A config file (`// routeperf.config.mjs` on its first line): written under that name and loaded. */
  | 'config'
  /** Shell commands, run with `bash -e` in the page's folder. */
  | 'shell'
  /** A supervisord program or systemd unit that runs `routeperf consume`: its command is started and stopped. */
  | 'worker-unit';

export interface CodeBlock {
  /** The page, relative to the repository: `README.md`, `docs/async.md`. */
  page: string;
  /** Line of the opening fence, from 1. */
  line: number;
  language: string;
  code: string;
  /** What the marker above the fence says, when there is one. */
  marker?: { kind: 'output' | 'fragment'; reason: string };
}

const MARKER = /^<!-- doc-test: (output|fragment)(?:: (.+?))? -->$/;
const FENCE = /^```(\S*)\s*$/;

/** The README and every docs/*.md page, relative to the repository. */
export function documentedPages(repo: string): string[] {
  const docs = readdirSync(join(repo, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

export function codeBlocks(repo: string, page: string): CodeBlock[] {
  const lines = readFileSync(join(repo, page), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const opening = FENCE.exec(lines[index]!);
    if (!opening) continue;
    const end = lines.findIndex((line, at) => at > index && line.startsWith('```'));
    if (end < 0) throw new Error(`${page}:${index + 1}: a code block is never closed`);
    const marker = MARKER.exec(lines[index - 1] ?? '');
    blocks.push({
      page,
      line: index + 1,
      language: opening[1]!,
      code: `${lines.slice(index + 1, end).join('\n')}\n`,
      ...(marker && { marker: { kind: marker[1] as 'output' | 'fragment', reason: marker[2] ?? '' } }),
    });
    index = end;
  }
  return blocks;
}

/** How the test runs `block`; undefined when it cannot (then the block must carry a marker). */
export function kindOf(block: CodeBlock): BlockKind | undefined {
  switch (block.language) {
    case 'ts':
    case 'typescript':
      return 'typescript';
    case 'js':
    case 'javascript':
      return configFileName(block) ? 'config' : 'program';
    case 'bash':
    case 'sh':
    case 'shell':
      return 'shell';
    case 'ini':
      return /^(command|ExecStart)=.*\brouteperf consume\b/m.test(block.code) ? 'worker-unit' : undefined;
    default:
      return undefined;
  }
}

/** `routeperf.config.mjs` when the block's first line is the comment `// routeperf.config.mjs`. */
export function configFileName(block: CodeBlock): string | undefined {
  return /^\/\/ (routeperf\.config\.[cm]?js)\n/.exec(block.code)?.[1];
}

/** `docs/async.md` → `docs-async`: a folder name for the page. */
export function pageSlug(page: string): string {
  return page.replace(/\.md$/, '').replaceAll('/', '-');
}
