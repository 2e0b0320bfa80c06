// What kubelet and kube-proxy leave in netfilter, found by comparing with what was there before
// (pure: the inputs are the text of `nft list tables` and `iptables-save`).

export type Family = 'ip' | 'ip6';

/** `table ip filter` lines → `ip filter`. */
export function parseTables(nftListTables: string): string[] {
  return nftListTables
    .split('\n')
    .map((line) => /^table (\S+) (\S+)$/.exec(line.trim()))
    .filter((m) => m !== null)
    .map((m) => `${m[1]} ${m[2]}`);
}

/** Splits one iptables-save rule into arguments, with its double-quoted strings unquoted. */
export function splitRule(line: string): string[] {
  const args: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of line.matchAll(pattern)) {
    args.push(match[1] === undefined ? (match[2] ?? '') : match[1].replace(/\\(.)/g, '$1'));
  }
  return args;
}

export interface SavedTable {
  readonly table: string;
  readonly chains: readonly string[];
  /** `-A CHAIN …` lines, split. */
  readonly rules: readonly (readonly string[])[];
}

/** Parses iptables-save output into tables with their chains and rules. */
export function parseSave(save: string): SavedTable[] {
  const tables: { table: string; chains: string[]; rules: string[][] }[] = [];
  for (const raw of save.split('\n')) {
    const line = raw.trim();
    const current = tables.at(-1);
    if (line.startsWith('*')) tables.push({ table: line.slice(1), chains: [], rules: [] });
    else if (line.startsWith(':') && current !== undefined) current.chains.push(line.slice(1).split(' ')[0] ?? '');
    else if (line.startsWith('-A ') && current !== undefined) current.rules.push(splitRule(line));
  }
  return tables;
}

/** `ip filter KUBE-SERVICES` for every KUBE-* chain in an iptables-save of `family`. */
export function kubeChains(family: Family, save: string): string[] {
  return parseSave(save).flatMap((t) =>
    t.chains.filter((c) => c.startsWith('KUBE-')).map((c) => `${family} ${t.table} ${c}`),
  );
}

/**
 * The commands that take netfilter back to `before`: whole tables that did not exist are deleted
 * (nft); in tables that did, rules jumping to new KUBE-* chains are deleted, then those chains.
 */
export function netfilterUndo(
  before: { readonly tables: readonly string[]; readonly kubeChains: readonly string[] },
  now: { readonly tables: readonly string[]; readonly saves: Readonly<Record<Family, string>> },
): { command: string; args: string[] }[] {
  const commands: { command: string; args: string[] }[] = [];
  for (const family of ['ip', 'ip6'] as const) {
    const tool = family === 'ip' ? 'iptables' : 'ip6tables';
    for (const saved of parseSave(now.saves[family])) {
      if (!before.tables.includes(`${family} ${saved.table}`)) continue;
      const added = saved.chains.filter(
        (c) => c.startsWith('KUBE-') && !before.kubeChains.includes(`${family} ${saved.table} ${c}`),
      );
      if (added.length === 0) continue;
      for (const rule of saved.rules) {
        const [, chain, ...spec] = rule;
        const jump = spec.findIndex((arg) => arg === '-j' || arg === '-g');
        const target = jump < 0 ? '' : (spec[jump + 1] ?? '');
        if (chain !== undefined && !added.includes(chain) && added.includes(target))
          commands.push({ command: tool, args: ['-w', '-t', saved.table, '-D', chain, ...spec] });
      }
      for (const chain of added) commands.push({ command: tool, args: ['-w', '-t', saved.table, '-F', chain] });
      for (const chain of added) commands.push({ command: tool, args: ['-w', '-t', saved.table, '-X', chain] });
    }
  }
  for (const table of now.tables) {
    if (!before.tables.includes(table))
      commands.push({ command: 'nft', args: ['delete', 'table', ...table.split(' ')] });
  }
  return commands;
}
