export type BagRoot = { ok: true; prefix: string } | { ok: false; problem: string };

/**
 * Where the bag starts inside an unpacked archive (SPEC §5.3 step 2): bagit.txt at the top, or
 * inside exactly one top-level directory, which must then be the only thing at the top. The result
 * is a prefix: "" or "name/".
 */
export function findBagRoot(paths: Iterable<string>): BagRoot {
  const topLevel = new Map<string, boolean>(); // name → is a directory
  const withDeclaration = new Set<string>();
  for (const path of paths) {
    const slash = path.indexOf('/');
    if (path === 'bagit.txt') return { ok: true, prefix: '' };
    if (slash === -1) {
      topLevel.set(path, false);
      continue;
    }
    const directory = path.slice(0, slash);
    topLevel.set(directory, true);
    if (path === `${directory}/bagit.txt`) withDeclaration.add(directory);
  }
  if (withDeclaration.size === 0) {
    return { ok: false, problem: 'No bagit.txt at the top level or inside a single top-level directory' };
  }
  if (topLevel.size === 1) return { ok: true, prefix: `${[...withDeclaration][0]}/` };
  const names = [...topLevel.keys()].sort().map((name) => (topLevel.get(name) ? `${name}/` : name));
  return {
    ok: false,
    problem:
      `bagit.txt is inside ${[...withDeclaration].map((d) => `${d}/`).join(' and ')}, but there are ` +
      `${topLevel.size} top-level entries (${names.join(', ')}); expected exactly one directory`,
  };
}
