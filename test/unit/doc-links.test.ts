import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every relative link of the README and of docs/ leads to a file of the project, and to a heading in it. */
const root = new URL('../../', import.meta.url).pathname;
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

interface Link {
  file: string;
  anchor: string;
}

function withoutCode(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

function relativeLinks(markdown: string): Link[] {
  return [...withoutCode(markdown).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => {
      const [file = '', anchor = ''] = (m[1] ?? '').split('#');
      return { file, anchor };
    })
    .filter((l) => !/^[a-z]+:/.test(l.file) && (l.file !== '' || l.anchor !== ''));
}

/** GitHub's anchor for a heading: lower case, punctuation but '-' and '_' dropped, spaces to '-'. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

function anchorsIn(path: string): Set<string> {
  const headings = [...withoutCode(readFileSync(path, 'utf8')).matchAll(/^#{1,6} (.+)$/gm)];
  return new Set(headings.map((m) => anchorOf(m[1] ?? '')));
}

describe('the documentation links', () => {
  it.each(pages)('%s: every relative link resolves, its anchor too', (page) => {
    const broken = relativeLinks(readFileSync(join(root, page), 'utf8'))
      // Links out of the repository (the shared spec beside it) are the reader's, not ours.
      .filter((l) => !l.file.startsWith('../shared/'))
      .filter((l) => {
        const target = l.file === '' ? join(root, page) : normalize(join(root, dirname(page), l.file));
        if (!existsSync(target)) return true;
        return l.anchor !== '' && target.endsWith('.md') && !anchorsIn(target).has(l.anchor);
      })
      .map((l) => `${l.file}#${l.anchor}`);
    expect(broken).toEqual([]);
  });
  it('finds links to docs/ in the README', () => {
    expect(
      relativeLinks(readFileSync(join(root, 'README.md'), 'utf8')).filter((l) => l.file.startsWith('docs/')),
    ).not.toEqual([]);
  });
  it('knows the anchor GitHub gives a heading with code and punctuation', () => {
    expect(anchorOf('A pooled topology (`--pooler pgbouncer`)')).toBe('a-pooled-topology---pooler-pgbouncer');
    expect(anchorOf('The `logical` strategy')).toBe('the-logical-strategy');
  });
  it('keeps the README short enough for a newcomer', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8').split('\n').length).toBeLessThan(200);
  });
});
