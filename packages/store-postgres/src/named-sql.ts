import type pg from 'pg';

/** A named parameter in a `sql` template; compiled to `$n` once, when the module loads. */
export interface Param<K extends string> {
  readonly param: K;
}

/** A piece of SQL text with named parameters; pieces nest, so a shared insert is written once. */
export interface Fragment<K extends string> {
  readonly chunks: ReadonlyArray<string | Param<K>>;
}

/** A prepared statement: its name, its `$n` text, and the parameter names in `$n` order. */
export interface Statement<K extends string> {
  readonly name: string;
  readonly text: string;
  readonly order: readonly K[];
  /** The query config for one call: values taken from `params` by name, in `$n` order. */
  query(params: Readonly<Record<K, unknown>>): pg.QueryConfig;
}

export const param = <K extends string>(name: K): Param<K> => ({ param: name });

/**
 * Tagged template: `${param('walletId')}` is a parameter, a nested `sql` fragment is spliced
 * in, and a plain string is trusted SQL text (a constant of this package, never input).
 */
export function sql<K extends string = never>(
  strings: TemplateStringsArray,
  ...parts: Array<Param<K> | Fragment<K> | string>
): Fragment<K> {
  const chunks: Array<string | Param<K>> = [];
  strings.forEach((text, index) => {
    chunks.push(text);
    const part = index < parts.length ? parts[index] : undefined;
    if (part === undefined) return;
    if (typeof part === 'string') chunks.push(part);
    else if ('chunks' in part) chunks.push(...part.chunks);
    else chunks.push(part);
  });
  return { chunks };
}

/** Compiles a fragment into a named (prepared) statement: each distinct name gets one `$n`. */
export function prepare<K extends string>(name: string, fragment: Fragment<K>): Statement<K> {
  const order: K[] = [];
  const text = fragment.chunks
    .map((chunk) => {
      if (typeof chunk === 'string') return chunk;
      let position = order.indexOf(chunk.param);
      if (position < 0) position = order.push(chunk.param) - 1;
      return `$${position + 1}`;
    })
    .join('');
  return {
    name,
    text,
    order,
    query: (params) => ({ name, text, values: order.map((key) => params[key]) }),
  };
}
