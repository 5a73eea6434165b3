/**
 * CPU seconds and resident memory of a process, from /proc (Linux).
 *
 * @module
 */

const CLOCK_TICKS = 100;

export interface ProcUsage {
  cpuS: number;
  rssMb: number;
}

export async function procUsage(pid: number): Promise<ProcUsage> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // Fields after the command name (which may hold spaces) start at ") ".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuS = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { cpuS, rssMb: rssKb / 1024 };
}
