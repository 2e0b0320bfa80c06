// GCE list filters, the two forms the provider sends, parsed as strictly as GCE would take them
// (https://cloud.google.com/compute/docs/reference/rest/v1/forwardingRules/list, `filter`):
//   - comparisons `field = "v"` / `field != "v"` (labels.k, address, name, …), one bare, several
//     bare joined by AND, or several parenthesized joined by AND (or nothing) or by OR;
//   - regular expressions `field eq "re"` / `field ne "re"`: one bare, or several parenthesized
//     (ANDed). The literal is RE2 and must match the whole field: `name eq "(a|b)"` picks a and b.
// The two forms cannot be mixed in one request. Anything else is a 400, so the provider cannot
// rely on a filter the fake silently misreads.
import { invalid } from './errors.ts';

type Token =
  | { readonly t: 'open' | 'close' | 'and' | 'or' }
  | { readonly t: 'op'; readonly op: '=' | '!=' | 'eq' | 'ne' }
  | { readonly t: 'word'; readonly text: string; readonly quoted: boolean };

export interface Clause {
  readonly path: readonly string[];
  readonly negate: boolean;
  /** Whether the field's text satisfies the comparison (before `negate`). */
  readonly test: (value: string) => boolean;
}

/** Clauses joined by AND, or by OR (not both). */
export interface Filter {
  readonly any: boolean;
  readonly clauses: readonly Clause[];
}

const bad = (filter: string, why: string): Error => invalid('filter', `'${filter}': ${why}`);

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ t: c === '(' ? 'open' : 'close' });
      i++;
    } else if (c === '"' || c === "'") {
      const end = filter.indexOf(c, i + 1);
      if (end < 0) throw bad(filter, 'unterminated quoted literal.');
      tokens.push({ t: 'word', text: filter.slice(i + 1, end), quoted: true });
      i = end + 1;
    } else if (c === '=' || filter.startsWith('!=', i)) {
      tokens.push({ t: 'op', op: c === '=' ? '=' : '!=' });
      i += c === '=' ? 1 : 2;
    } else {
      // A bare word runs to whitespace, a parenthesis, a quote or an operator.
      const m = /^[^\s()"'=!]+/.exec(filter.slice(i));
      if (!m) throw bad(filter, `unexpected '${c}'.`);
      const word = m[0];
      const lower = word.toLowerCase();
      if (lower === 'eq' || lower === 'ne') tokens.push({ t: 'op', op: lower });
      else if (word === 'AND' || word === 'OR') tokens.push({ t: word === 'AND' ? 'and' : 'or' });
      else tokens.push({ t: 'word', text: word, quoted: false });
      i += word.length;
    }
  }
  return tokens;
}

/** RE2 only: constructs JavaScript accepts but RE2 refuses (lookaround, backreferences) are invalid. */
function re2(filter: string, literal: string): RegExp {
  if (/\(\?<?[=!]|\\[1-9]|\\k</.test(literal)) throw bad(filter, `'${literal}' is not an RE2 regular expression.`);
  try {
    return new RegExp(`^(?:${literal.replaceAll('(?P<', '(?<')})$`, 'u');
  } catch {
    throw bad(filter, `'${literal}' is not a valid regular expression.`);
  }
}

export function parseFilter(filter: string): Filter {
  const tokens = tokenize(filter);
  if (tokens.length === 0) return { any: false, clauses: [] };
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const expression = (): Clause & { regex: boolean } => {
    const [field, op, value] = [tokens[at], tokens[at + 1], tokens[at + 2]];
    if (field?.t !== 'word' || field.quoted || !/^[A-Za-z][A-Za-z0-9_.-]*$/.test(field.text))
      throw bad(filter, 'expected a field name.');
    if (op?.t !== 'op') throw bad(filter, `expected =, !=, eq or ne after '${field.text}'.`);
    if (value?.t !== 'word') throw bad(filter, `expected a value after '${field.text} ${op.op}'.`);
    at += 3;
    const path = field.text.split('.');
    if (op.op === 'eq' || op.op === 'ne') {
      const regex = re2(filter, value.text);
      return { path, negate: op.op === 'ne', test: (v) => regex.test(v), regex: true };
    }
    const wanted = value.text;
    return { path, negate: op.op === '!=', test: (v) => v === wanted, regex: false };
  };
  const parsed: (Clause & { regex: boolean })[] = [];
  const joins: ('and' | 'or' | 'none')[] = [];
  const parens: boolean[] = [];
  while (at < tokens.length) {
    if (parsed.length > 0) {
      const join = peek();
      if (join?.t === 'and' || join?.t === 'or') {
        joins.push(join.t);
        at++;
      } else {
        joins.push('none');
      }
    }
    if (peek()?.t === 'open') {
      at++;
      parsed.push(expression());
      if (peek()?.t !== 'close') throw bad(filter, 'expected ).');
      at++;
      parens.push(true);
    } else {
      parsed.push(expression());
      parens.push(false);
    }
    // Expressions side by side (an implicit AND) must both be parenthesized.
    const i = parens.length - 1;
    if (joins[i - 1] === 'none' && !(parens[i - 1] === true && parens[i] === true))
      throw bad(filter, 'expressions side by side must each be parenthesized.');
  }
  const regex = parsed.some((c) => c.regex);
  if (regex && parsed.some((c) => !c.regex))
    throw bad(filter, 'regular expressions (eq, ne) and comparisons (=, !=) cannot be mixed.');
  if (regex && parsed.length > 1 && (parens.includes(false) || joins.some((j) => j !== 'none')))
    throw bad(
      filter,
      'several eq/ne expressions are each parenthesized, side by side (the fake takes no AND/OR between them).',
    );
  const any = joins.includes('or');
  if (any && joins.some((j) => j !== 'or')) throw bad(filter, 'the fake does not mix AND and OR.');
  return { any, clauses: parsed.map(({ path, negate, test }) => ({ path, negate, test })) };
}
