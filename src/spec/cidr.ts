/** IPv4 CIDR arithmetic on unsigned 32-bit numbers. */
export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
}

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Parses a.b.c.d/n; undefined unless it is well-formed with no host bits set. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!m) return undefined;
  const base = parseIpv4(m[1]);
  const prefix = Number(m[2]);
  if (base === undefined || prefix > 32) return undefined;
  if (base % size({ base, prefix }) !== 0) return undefined;
  return { base, prefix };
}

/** Why a string is not a valid CIDR, for error messages. */
export function cidrProblem(text: string): string | undefined {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!m) return 'is not of the form a.b.c.d/n';
  const base = parseIpv4(m[1]);
  if (base === undefined) return `has an invalid address ${m[1]}`;
  const prefix = Number(m[2]);
  if (prefix > 32) return `has a prefix length ${prefix} over 32`;
  const s = 2 ** (32 - prefix);
  if (base % s !== 0) return `has host bits set; the network is ${formatCidr({ base: base - (base % s), prefix })}`;
  return undefined;
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.base)}/${c.prefix}`;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** The index-th block of prefix `newPrefix` inside `c`. */
export function subdivide(c: Cidr, newPrefix: number, index: number): Cidr {
  if (newPrefix < c.prefix || newPrefix > 32) throw new RangeError(`cannot cut /${c.prefix} into /${newPrefix}`);
  const count = 2 ** (newPrefix - c.prefix);
  if (index < 0 || index >= count) throw new RangeError(`block ${index} of ${count} does not exist`);
  return { base: c.base + index * 2 ** (32 - newPrefix), prefix: newPrefix };
}

/** The n-th address (0 = network address) of a block. */
export function hostAddress(c: Cidr, n: number): string {
  if (n < 0 || n >= size(c)) throw new RangeError(`address ${n} is outside ${formatCidr(c)}`);
  return formatIpv4(c.base + n);
}
