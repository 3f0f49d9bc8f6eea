/**
 * Start-up marks for `fleet top`'s first-frame figure (FLEET_BENCH_FIRST_FRAME=1): milliseconds since the
 * process started at each step, printed with the first frame so docs/BENCH.md can say where the time goes.
 * The launcher (bin/fleet.js) leaves its own two marks — node reached it, the bundle compiled — in a global.
 * Costs nothing when the variable is not set.
 */
const enabled = process.env.FLEET_BENCH_FIRST_FRAME === '1';
const marks: [string, number][] = [];
if (enabled) {
  const launch = (globalThis as { __fleetLaunchMarks?: [string, number][] }).__fleetLaunchMarks ?? [];
  for (const [name, seconds] of launch) marks.push([name, Math.round(seconds * 1000)]);
}

export function startupMark(name: string): void {
  if (enabled) marks.push([name, Math.round(process.uptime() * 1000)]);
}

/** `node 74 · bundle compiled (cache) 87 · cli 120 · context 180 · …` */
export function startupMarks(): string {
  return marks.map(([n, t]) => `${n} ${t}`).join(' · ');
}
