/**
 * A seeded pseudo-random source (sfc32, seeded through splitmix32): the demo's data is a function
 * of its seed, so two runs with the same --seed write the same users and transactions. Not for
 * anything secret — Math.random() cannot be seeded, and nothing here needs to be unpredictable.
 */
export type Random = () => number;

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Uniform in [0, 1), 32 bits of state × 4, from a seed that is any safe integer. */
export function seededRandom(seed: number): Random {
  const mix = splitmix32((seed ^ Math.floor(seed / 2 ** 32)) >>> 0);
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 2 ** 32;
  };
}

/** An integer in [0, n). */
export const below = (random: Random, n: number): number => Math.floor(random() * n);
