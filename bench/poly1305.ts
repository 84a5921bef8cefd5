/**
 * Poly1305 throughput, one-block scalar WebAssembly against the two-lane SIMD loop, through the public
 * `Poly1305.mac` (so the copy into the module's memory, the key setup and the final reduction count too).
 * Sizes: short messages (where the crossover for `SIMD_MIN_BYTES` lies), 4 KiB, and the chunk sizes.
 * Each round runs every (size, variant) pair for about `ms` milliseconds, variants alternating; the figure is
 * the median over rounds of MB/s by CPU time of this process (on a shared machine wall time follows the
 * load, CPU time much less). Not part of the test suite.
 *
 *   node --import tsx bench/poly1305.ts [rounds=5] [ms=300]
 */
import { randomBytes } from 'node:crypto';
import { Poly1305 } from '../src/repository/crypto/poly1305.ts';

const rounds = Number(process.argv[2] ?? 5);
const ms = Number(process.argv[3] ?? 300);
const sizes = [32, 48, 64, 96, 128, 192, 256, 512, 1024, 4096, 65_536, 131_072, 524_288];

const variants = {
  scalar: new Poly1305({ simd: false }),
  simd: new Poly1305({ simdMinBytes: 0 }),
} as const;
if (!variants.simd.simd) throw new Error('this engine has no WebAssembly SIMD');

const key = randomBytes(32);
const messages = new Map(sizes.map((n) => [n, randomBytes(n)]));

/** MB/s by CPU time of `p.mac` over messages of `size` bytes for about `ms` milliseconds. */
function measure(p: Poly1305, size: number): number {
  const msg = messages.get(size)!;
  const batch = Math.max(1, Math.floor((1 << 20) / size));
  let bytes = 0;
  const wallEnd = performance.now() + ms;
  const cpu0 = process.cpuUsage();
  while (performance.now() < wallEnd) {
    for (let i = 0; i < batch; i++) p.mac(key, msg);
    bytes += batch * size;
  }
  const cpu = process.cpuUsage(cpu0);
  return bytes / (cpu.user + cpu.system);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// warm up both (tier-up of the WebAssembly and of mac itself)
for (const p of Object.values(variants)) for (const size of sizes) measure(p, size);

const results = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const size of sizes) {
    const order = r % 2 === 0 ? (['scalar', 'simd'] as const) : (['simd', 'scalar'] as const);
    for (const name of order) {
      const k = `${name}/${size}`;
      results.set(k, [...(results.get(k) ?? []), measure(variants[name], size)]);
    }
  }
}

console.log(`Poly1305.mac, MB/s by CPU time, median of ${rounds} rounds of ~${ms} ms`);
console.log('size        scalar      simd    ratio');
for (const size of sizes) {
  const s = median(results.get(`scalar/${size}`)!);
  const v = median(results.get(`simd/${size}`)!);
  const label = size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
  console.log(
    `${label.padEnd(9)} ${s.toFixed(0).padStart(8)} ${v.toFixed(0).padStart(9)} ${(v / s).toFixed(2).padStart(8)}`,
  );
}
