import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every relative link of the README and of docs/ leads to a file of the project. */
const root = new URL('../../', import.meta.url).pathname;
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => (m[1] ?? '').split('#')[0] ?? '')
    .filter((link) => link !== '' && !/^[a-z]+:/.test(link));
}

describe('the documentation links', () => {
  it.each(pages)('%s: every relative link resolves', (page) => {
    const links = relativeLinks(readFileSync(join(root, page), 'utf8'));
    // Links out of the repository (the shared spec beside it) are the reader's, not ours.
    const missing = links.filter(
      (l) => !l.startsWith('../shared/') && !existsSync(join(root, dirname(page), l)),
    );
    expect(missing).toEqual([]);
  });
  it('finds links to docs/ in the README', () => {
    expect(
      relativeLinks(readFileSync(join(root, 'README.md'), 'utf8')).filter((l) => l.startsWith('docs/')),
    ).not.toEqual([]);
  });
});
